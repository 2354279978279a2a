// Deciding a proposed action. The HITL envelope is an event to its run (APPROVE carries the approver's
// corrections, checked against the mirror first); a downstream proposal (the drafted reply, the escalation,
// the hold review) is decided and carried out in one transaction. Either way an approval is bound to what
// was shown (If-Match against the payload's etag), and bad input is refused before anything is written.
import { CONTRACT } from '../machines/contract.ts';
import type { Corrections, DisputeEvent, DisputeInput } from '../machines/types.ts';
import { customerExists, invoicesByTranid } from '../persistence/mirror/lookup.ts';
import { decidedProposal, DecisionConflictError, getProposal, type ProposalView } from '../persistence/proposals.ts';
import type { Db, Tx } from '../persistence/connect.ts';
import { lockRunOfProposal } from '../persistence/runs.ts';
import { decideDownstream, EDITABLE_ACTIONS, type CarryOutConfig, type Edits } from '../steps/carryOut.ts';
import { isReasonCode, REASON_CODES } from '../steps/reasonCodes.ts';
import { claimRun, optimistically } from './batch.ts';
import { applyEventToLockedRun, failLockedUnrestorable, type EngineDeps } from './engine.ts';
import { RunRestoreError } from './restore.ts';

export type { CarryOutConfig, Edits } from '../steps/carryOut.ts';
/** What a correction's reason_code may be, with labels: the approvals page offers these. */
export { REASON_OPTIONS, type ReasonOption } from '../steps/reasonCodes.ts';

export type DecisionFailure =
  | { kind: 'not_found'; message: string }
  | { kind: 'invalid'; message: string; details: { field: string; message: string }[] }
  | { kind: 'precondition_failed'; message: string; current: ProposalView }
  | { kind: 'conflict'; message: string; details?: Record<string, unknown> };

export class DecisionError extends Error {
  constructor(readonly failure: DecisionFailure) {
    super(failure.message);
  }
}

export interface DecisionRequest {
  id: number;
  verb: 'approve' | 'reject';
  by: string;
  note: string | null;
  corrections?: Corrections | undefined;
  edits?: Edits | undefined;
  /** The If-Match header's entity tags ('*' matches any); absent means the client did not bind the approval. */
  ifMatch?: string[] | undefined;
}

export type DecisionDeps = EngineDeps & { carryOut: CarryOutConfig };

const invalid = (field: string, message: string) =>
  new DecisionError({ kind: 'invalid', message: `${field}: ${message}`, details: [{ field, message }] });

/**
 * Decides in one transaction: the proposal and its run are read in the transaction that writes the decision
 * (one commit, one connection), and a refusal (404, 412, 400, 409) writes nothing but what it must: a run
 * whose snapshot cannot be restored is marked failed, visibly, and the decision answers 409.
 */
export async function decideProposal(deps: DecisionDeps, r: DecisionRequest): Promise<ProposalView> {
  const inTransaction = (tx: Tx) => decideInTransaction(deps, tx, r);
  // Alone, as a shared transaction of one (runtime/batch.ts, optimistically): the fan-out's steps side by side.
  const alone = () => optimistically(deps.sql, inTransaction, deps.group);
  // Under load, decisions share transactions with other runs' work (runtime/batch.ts); a refusal thrown there
  // rolls the shared transaction back, and is refused again alone (where its writes, if any, are its own).
  const outcome = await (deps.group ? deps.group.submit(`proposal:${r.id}`, inTransaction, alone) : alone());
  if ('failure' in outcome) throw new DecisionError(outcome.failure);
  return outcome.decided;
}

type Outcome = { decided: ProposalView } | { failure: DecisionFailure };

async function decideInTransaction(deps: DecisionDeps, tx: Tx, r: DecisionRequest): Promise<Outcome> {
  // The proposal and its run's lock in one round trip (pipelined). The run is locked first whatever is decided,
  // as every event on it is: the envelope's decision is an event, and a downstream decision journals a note.
  const locked = lockRunOfProposal(tx, r.id);
  locked.catch(() => {}); // seen where it is awaited; not unhandled if the proposal's read fails first
  const proposal = await getProposal(tx, r.id);
  const run = await locked;
  if (!proposal) throw new DecisionError({ kind: 'not_found', message: `proposed action ${r.id} does not exist` });
  if (!run) throw new DecisionError({ kind: 'not_found', message: `run ${proposal.run_id} does not exist` });
  if (r.ifMatch && !r.ifMatch.includes('*') && !r.ifMatch.includes(proposal.etag)) {
    throw new DecisionError({
      kind: 'precondition_failed',
      message: `proposed action ${proposal.id} is not what was shown (If-Match does not match its ETag); nothing was written`,
      current: proposal,
    });
  }
  const isEnvelope = proposal.action_type === CONTRACT.hitl.action_type;
  if (r.corrections && !isEnvelope) throw invalid('corrections', `only the approval envelope (${CONTRACT.hitl.action_type}) takes corrections`);
  if (r.edits && !EDITABLE_ACTIONS.has(proposal.action_type)) throw invalid('edits', `only a drafted reply or escalation takes edits, not ${proposal.action_type}`);
  if ((r.corrections || r.edits) && r.verb === 'reject') throw invalid(r.corrections ? 'corrections' : 'edits', 'only an approval takes these');
  const at = deps.clock.now();

  if (isEnvelope) {
    // The envelope is an event to its run, locked above: apply the event to the row read.
    // An invoice correction is looked up under the run's customer (the column the engine keeps from its context).
    const corrections = r.corrections ? await checkCorrections(tx, run.customer_id, r.corrections) : undefined;
    const event: DisputeEvent =
      r.verb === 'approve'
        ? { type: 'APPROVE', action_id: proposal.id, by: r.by, note: r.note, at: at.toISOString(), ...(corrections ? { corrections } : {}), shown_sha256: proposal.etag }
        : { type: 'REJECT', action_id: proposal.id, by: r.by, reason: r.note ?? '', at: at.toISOString(), shown_sha256: proposal.etag };
    let result;
    try {
      // Applied, the event is the transaction's last work: the proposal as decided is read behind the run's save
      // and the COMMIT goes with them (engine.ts, Finish).
      // (In a shared transaction the COMMIT is the group's; the read still goes behind the save.)
      result = await applyEventToLockedRun(deps, tx, run, event, { finish: { read: (t) => decidedProposal(t, proposal) } });
    } catch (err) {
      if (!(err instanceof RunRestoreError)) throw err;
      // Nothing was written before the restore failed: mark the run failed in this transaction and refuse.
      const failed = await failLockedUnrestorable(deps, tx, run, err);
      return { failure: conflict(proposal, proposal.status, failed.status) };
    }
    if (!result.applied) {
      // Decided under the run's lock (the run's state does not take it); read again only to say why.
      const now = await getProposal(tx, proposal.id);
      throw new DecisionError(conflict(proposal, now?.status, result.run.status));
    }
    return { decided: result.read! };
  } else {
    // In a shared transaction, another item on this run fails it (an event applied claims its run as well).
    claimRun(tx, run.id);
    // The run's input is the triage event the engine stored (DisputeInput): the reply threads under its email.
    const email = run.input.email as DisputeInput['email'];
    try {
      await decideDownstream(tx, deps.carryOut, { proposal, run_input: { email }, verb: r.verb, by: r.by, note: r.note, edits: r.edits, now: at });
    } catch (err) {
      // The UPDATE … WHERE status = 'pending' found it decided: no statement failed, so the transaction can
      // still read why (and then rolls back).
      if (err instanceof DecisionConflictError) {
        const now = await getProposal(tx, proposal.id);
        throw new DecisionError({ kind: 'conflict', message: `proposed action ${proposal.id} is already ${now?.status ?? 'gone'}`, details: { status: now?.status } });
      }
      throw err;
    }
  }
  return { decided: (await decidedProposal(tx, proposal))! };
}

function conflict(proposal: ProposalView, status: string | undefined, runStatus: string): DecisionFailure {
  return {
    kind: 'conflict',
    message: `proposed action ${proposal.id} is ${status === 'pending' ? "not the run's current envelope" : `already ${status ?? 'gone'}`}; run ${proposal.run_id} is ${runStatus}`,
    details: { status, run_status: runStatus },
  };
}

/**
 * The approver's corrections, checked against the mirror: a known reason code, a customer that exists, an
 * invoice that is that customer's (or, with no customer known, the only one with that number).
 */
async function checkCorrections(sql: Db, runCustomerId: number | null, c: Corrections): Promise<Corrections> {
  const out: Corrections = {};
  if (c.reason_code !== undefined) {
    if (!isReasonCode(c.reason_code)) throw invalid('corrections.reason_code', `must be one of ${REASON_CODES.join(', ')}`);
    out.reason_code = c.reason_code;
  }
  if (c.customer_id !== undefined) {
    if (!(await customerExists(sql, c.customer_id))) throw invalid('corrections.customer_id', `customer ${c.customer_id} is not in the NetSuite mirror`);
    out.customer_id = c.customer_id;
  }
  if (c.invoice_ref !== undefined) {
    const customerId = c.customer_id ?? runCustomerId;
    // Approvers type numbers as customers do; the mirror's tranid is upper case (INV-004138).
    let ref = c.invoice_ref.trim();
    let found = await invoicesByTranid(sql, ref, customerId);
    if (found.length === 0 && ref !== ref.toUpperCase()) {
      ref = ref.toUpperCase();
      found = await invoicesByTranid(sql, ref, customerId);
    }
    if (found.length === 0) {
      throw invalid('corrections.invoice_ref', customerId === null ? `invoice ${ref} is not in the NetSuite mirror` : `customer ${customerId} has no invoice ${ref} in the NetSuite mirror`);
    }
    if (found.length > 1) throw invalid('corrections.invoice_ref', `invoice ${ref} exists under more than one customer: correct customer_id too`);
    out.invoice_ref = ref;
  }
  if (c.disputed_amount !== undefined) out.disputed_amount = Math.round(c.disputed_amount * 100) / 100;
  return out;
}
