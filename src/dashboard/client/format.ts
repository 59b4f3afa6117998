/** Dollars with enough digits to show a fraction of a cent, which is what one request usually costs. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  if (value === 0) return '$0';
  const abs = Math.abs(value);
  const digits = abs >= 1 ? 2 : Math.min(10, 2 - Math.floor(Math.log10(abs)) + 1);
  return `${value < 0 ? '-$' : '$'}${abs.toFixed(digits)}`;
}

export function formatPct(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${value.toFixed(1)}%`;
}

export function formatScore(value: number): string {
  return Number(value).toFixed(3);
}
