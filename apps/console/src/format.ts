const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** Points and counts with thousands separators, in the user's locale. */
export const n = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : integer.format(value));
export const n1 = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : decimal.format(value));

/** Money from minor units (yen have none; other currencies two). */
export function money(minor: number, currency: string): string {
  const digits = ['JPY', 'KRW'].includes(currency) ? 0 : 2;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: digits }).format(minor / 10 ** digits);
}

/** An instant in the user's time zone, with UTC beside it. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const local = at.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return `${local} (UTC ${iso.slice(0, 16).replace('T', ' ')})`;
}

/** YYYY-MM-DD of today in UTC, for date inputs. */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** The end of a UTC day, as the instant an as-of question is asked for. */
export const endOfDay = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000 - 1).toISOString();

export const monthsBack = (months: number): string => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months + 1, 1)).toISOString();
};

export const startOfNextMonth = (): string => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
};
