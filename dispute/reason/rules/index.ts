// The phrase rules for all reasons, written from how AR correspondence words each problem (not from any
// one sample email). See shared.ts for weights and the neg/unless conventions.
import type { ReasonCode } from '../../types.ts';
import { BILLING_RULES } from './billing.ts';
import { GOODS_RULES } from './goods.ts';
import type { Rule } from './shared.ts';

export type { Rule } from './shared.ts';

export const RULES = { ...BILLING_RULES, ...GOODS_RULES } as Record<ReasonCode, Rule[]>;
