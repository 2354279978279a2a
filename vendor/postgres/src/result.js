export default class Result extends Array {
  #count = null // [disputeflow patch]
  #state = null // [disputeflow patch]
  #command = null // [disputeflow patch]
  #columns = null // [disputeflow patch]
  #statement = null // [disputeflow patch]
  get count() { return this.#count } // [disputeflow patch]
  set count(x) { this.#count = x } // [disputeflow patch]
  get state() { return this.#state } // [disputeflow patch]
  set state(x) { this.#state = x } // [disputeflow patch]
  get command() { return this.#command } // [disputeflow patch]
  set command(x) { this.#command = x } // [disputeflow patch]
  get columns() { return this.#columns } // [disputeflow patch]
  set columns(x) { this.#columns = x } // [disputeflow patch]
  get statement() { return this.#statement } // [disputeflow patch]
  set statement(x) { this.#statement = x } // [disputeflow patch]
  constructor() {
    super()
    /* the five fields above instead: // [disputeflow patch]
    Object.defineProperties(this, {
      count: { value: null, writable: true },
      state: { value: null, writable: true },
      command: { value: null, writable: true },
      columns: { value: null, writable: true },
      statement: { value: null, writable: true }
    })
    */ // [disputeflow patch]
  }

  static get [Symbol.species]() {
    return Array
  }
}
