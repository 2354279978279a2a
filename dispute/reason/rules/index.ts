// The phrase rules for all reasons, written from how AR correspondence words each problem (not from any
// one sample email). See shared.ts for weights and the neg/unless conventions. trade.ts adds the
// industry vocabulary for the same reasons, so the lists are concatenated per reason.
import { REASON_CODES, type ReasonCode } from '../../types.ts';
import { BILLING_RULES } from './billing.ts';
import { GOODS_RULES } from './goods.ts';
import type { Rule } from './shared.ts';
import { TRADE_RULES } from './trade.ts';

export type { Rule } from './shared.ts';

export const RULES = Object.fromEntries(
  REASON_CODES.map((c) => [c, [...(BILLING_RULES[c] ?? []), ...(GOODS_RULES[c] ?? []), ...(TRADE_RULES[c] ?? [])]]),
) as Record<ReasonCode, Rule[]>;
