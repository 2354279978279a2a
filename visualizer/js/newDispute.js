// "New dispute": the approver starts a run by hand (the contract's manual trigger) from a pasted email —
// from, subject, body, and optionally the customer id and invoice — through POST /runs with the approver's
// token, then opens the new run in the inspector. A refused field is shown next to its input; nothing is
// written then.
import { api } from './api.js';
import { clear, h } from './dom.js';

/** A random UUID (v4), also where crypto.randomUUID is missing (a page served over plain http to another host). */
function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** API field → the input it came from. */
const INPUT_OF = { 'email.from': 'from', 'email.subject': 'subject', reason_text: 'subject', 'email.body': 'body', customer_id: 'customer', invoice_ref: 'invoice' };

/**
 * Renders the form into `slot`; `onStarted(runId)` is called once the run exists (also when the same
 * email was already a run: POST /runs answers that run).
 */
export function mountNewDispute(slot, onStarted) {
  const field = (name, label, input, hint) => h('div', { class: 'field' },
    h('label', { for: `nd-${name}` }, label), input, hint ? h('span', { class: 'hint' }, hint) : null,
    h('p', { class: 'field-error', id: `nd-${name}-error`, role: 'alert' }));
  const inputs = {
    from: h('input', { id: 'nd-from', name: 'from', required: true, autocomplete: 'off', placeholder: 'Name <name@customer.example>', 'aria-describedby': 'nd-from-error' }),
    subject: h('input', { id: 'nd-subject', name: 'subject', required: true, autocomplete: 'off', 'aria-describedby': 'nd-subject-error' }),
    body: h('textarea', { id: 'nd-body', name: 'body', required: true, rows: '7', 'aria-describedby': 'nd-body-error' }),
    customer: h('input', { id: 'nd-customer', name: 'customer', inputmode: 'numeric', autocomplete: 'off', 'aria-describedby': 'nd-customer-error' }),
    invoice: h('input', { id: 'nd-invoice', name: 'invoice', autocomplete: 'off', placeholder: 'INV-004143', 'aria-describedby': 'nd-invoice-error' }),
  };
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start the dispute');
  const errorsOff = () => { for (const n of Object.keys(inputs)) { slot.querySelector(`#nd-${n}-error`).textContent = ''; inputs[n].removeAttribute('aria-invalid'); } };

  const form = h('form', { class: 'new-dispute-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    errorsOff();
    status.textContent = '';
    const v = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
    const local = [];
    for (const k of ['from', 'subject', 'body']) if (!v[k].trim()) local.push([k, 'is required']);
    const customer = v.customer.trim();
    if (customer && !/^\d{1,15}$/.test(customer)) local.push(['customer', 'must be a customer id (digits)']);
    if (local.length) return showErrors(local);
    const body = {
      email_uuid: uuid(),
      reason_text: v.subject.trim(),
      email: { from: v.from.trim(), subject: v.subject, body: v.body, received_at: new Date().toISOString() },
    };
    if (customer) body.customer_id = Number(customer);
    if (v.invoice.trim()) body.invoice_ref = v.invoice.trim();
    submit.disabled = true;
    try {
      const run = await api('/runs', { method: 'POST', body });
      status.textContent = `Run #${run.run_id} started.`;
      form.reset();
      onStarted(run.run_id);
    } catch (err) {
      const fields = (err.details ?? []).map((d) => [INPUT_OF[d.field] ?? null, d.message, d.field]);
      if (err.status === 400 && fields.length) showErrors(fields);
      else status.textContent = `Not started: ${err.message}`;
    } finally {
      submit.disabled = false;
    }
  } },
  field('from', 'From', inputs.from),
  field('subject', 'Subject', inputs.subject),
  field('body', 'Body', inputs.body, 'Paste the customer’s email as it came.'),
  h('div', { class: 'row' }, field('customer', 'Customer id (optional)', inputs.customer), field('invoice', 'Invoice (optional)', inputs.invoice)),
  h('div', { class: 'actions' }, submit),
  status);

  function showErrors(list) {
    const general = [];
    for (const [name, message, apiField] of list) {
      if (!name) { general.push(`${apiField}: ${message}`); continue; }
      slot.querySelector(`#nd-${name}-error`).textContent = message;
      inputs[name].setAttribute('aria-invalid', 'true');
    }
    status.textContent = general.length ? `Not started: ${general.join('; ')}` : 'Not started: correct the fields marked.';
    inputs[list.find(([n]) => n)?.[0]]?.focus();
  }

  clear(slot, form);
}
