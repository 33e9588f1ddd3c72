/** RFC 4180 CSV: a header of the first row's keys, fields quoted when they need it. Nested values as JSON. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  const field = (v: unknown) => {
    const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [keys.join(','), ...rows.map((r) => keys.map((k) => field(r[k])).join(','))].join('\r\n') + '\r\n';
}
