// The reason codes an approver may correct a dispute to, each with its label and owning department, read
// from the reader's one table (dispute/). The decision check (runtime/decisions.ts) and the approvals page's
// select (GET /api/reason-codes) take them from here, so the layers above steps need not reach into dispute/.
import { REASONS } from '../dispute/reason/codes.ts';
import { isReasonCode, REASON_CODES } from '../dispute/types.ts';

export { isReasonCode, REASON_CODES };

export interface ReasonOption {
  code: string;
  label: string;
  department: string;
}

export const REASON_OPTIONS: readonly ReasonOption[] = REASON_CODES.map((code) => ({ code, label: REASONS[code].label, department: REASONS[code].department }));
