// Money as the customer reads it, and rounding to cents for comparisons.

// toLocaleString builds a formatter on every call; one shared formatter is ~50x cheaper.
const TWO_DECIMALS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "$1,234.56" (other currencies as "1,234.56 EUR"). */
export function formatMoney(amount: number, currency = 'USD'): string {
  const s = TWO_DECIMALS.format(Math.abs(amount));
  const sign = amount < 0 ? '-' : '';
  return currency === 'USD' ? `${sign}$${s}` : `${sign}${s} ${currency}`;
}

export const toCents = (x: number): number => Math.round(x * 100) / 100;

/** Equal to the cent: amounts from email text and from numeric columns never agree to the last bit. */
export const sameAmount = (a: number, b: number): boolean => Math.abs(a - b) < 0.005;
