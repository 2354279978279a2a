// How sure a reading must be to pass without a warning: one threshold, shared by the resolver that turns low
// confidences into warnings and by whatever caps a confidence so that a warning is shown.

/** Below this a field is shown to the approver as a warning. */
export const LOW_CONFIDENCE = 0.6;

/**
 * The most a reason may claim when it is not read from the customer's own words (the triage summary, the
 * learned model): a step below LOW_CONFIDENCE, so the approver is always warned. A cap at LOW_CONFIDENCE
 * itself would hide the warning, which fires only below it.
 */
export const SECOND_OPINION_CONFIDENCE = Math.round((LOW_CONFIDENCE - 0.05) * 100) / 100;
