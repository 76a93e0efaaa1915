/**
 * Exact arithmetic on decimal strings (xs:decimal lexical form: `12`, `-0.5`, `+3.`, `.25`), for money:
 * a float would turn 0.1 + 0.2 into 0.30000000000000004 and make totals disagree that agree on paper.
 */

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

interface Scaled {
  /** The value times 10^scale. */
  units: bigint;
  scale: number;
}

function parse(text: string): Scaled {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) throw new RangeError(`not a decimal number: "${text}"`);
  const negative = trimmed.startsWith('-');
  const unsigned = trimmed.replace(/^[+-]/, '');
  const [whole = '', fraction = ''] = unsigned.split('.');
  const units = BigInt(`${whole || '0'}${fraction}`);
  return { units: negative ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format({ units, scale }: Scaled): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** The exact sum, with as many decimal places as the most precise term: `sumDecimals(['0.1', '0.20'])` is `"0.30"`. */
export function sumDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  return format({ units: parsed.reduce((sum, value) => sum + rescale(value, scale), 0n), scale });
}

export function negateDecimal(value: string): string {
  const parsed = parse(value);
  return format({ units: -parsed.units, scale: parsed.scale });
}

/** -1, 0 or 1 by value: `"336.9"` equals `"336.90"`. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const left = parse(a);
  const right = parse(b);
  const scale = Math.max(left.scale, right.scale);
  const difference = rescale(left, scale) - rescale(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function decimalsEqual(a: string, b: string): boolean {
  return compareDecimals(a, b) === 0;
}
