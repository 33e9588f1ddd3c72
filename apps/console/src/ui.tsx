import { isValidElement, useState, type ReactNode } from 'react';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { ApiError, downloadCsv, saveAs } from './api';
import { useSession, type Role } from './session';
import type { Loaded } from './use-api';

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="page">
      <header className="page-header">
        <h1>{title}</h1>
        <div className="page-actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

export function Panel({ title, children, actions, wide }: { title: string; children: ReactNode; actions?: ReactNode; wide?: boolean }) {
  return (
    <article className={wide ? 'panel wide' : 'panel'} aria-label={title}>
      <header className="panel-header">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </article>
  );
}

/** "Not allowed", said plainly: which roles the page needs and which the key has. */
export function NotAllowed({ needs, what }: { needs: Role[]; what: string }) {
  const { roles } = useSession();
  return (
    <div className="state not-allowed" role="alert" data-testid="not-allowed">
      <strong>Not allowed.</strong> {what} needs the {needs.join(' or ')} role (or admin); this key has: {roles.join(', ') || 'no role'}.
    </div>
  );
}

/** The page needs one of these roles: otherwise a clear message, not a blank page. */
export function RequireRole({ roles, what, children }: { roles: Role[]; what: string; children: ReactNode }) {
  const { may } = useSession();
  return may(...roles) ? <>{children}</> : <NotAllowed needs={roles} what={what} />;
}

/** Loading, error (a 403 as "not allowed"), empty, or the content. */
export function Loadable<T>({ loaded, empty, children }: { loaded: Loaded<T>; empty?: (data: T) => boolean; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading')
    return (
      <div className="state loading" aria-busy="true">
        Loading…
      </div>
    );
  if (loaded.state === 'error') return <ErrorState error={loaded.error} />;
  if (empty?.(loaded.data)) return <div className="state empty">Nothing here yet.</div>;
  return <>{children(loaded.data)}</>;
}

export function ErrorState({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 403)
    return (
      <div className="state not-allowed" role="alert" data-testid="not-allowed">
        <strong>Not allowed.</strong> {error.detail}
      </div>
    );
  const text = error instanceof ApiError ? `${error.code}: ${error.detail}` : error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>Could not load.</strong> {text}
    </div>
  );
}

export interface Column<R> {
  title: string;
  value: (row: R) => ReactNode;
  numeric?: boolean;
  /** The cell in a CSV export, where `value` is not plain text or a number (a link, a button). */
  csv?: (row: R) => string | number | null;
}

/**
 * A table with a CSV export: of the same list from the API where it has a CSV format (`csv`),
 * otherwise of the rows shown (`exportAs`, a file name), the cells as their text.
 */
export function Table<R>({
  rows,
  columns,
  csv,
  exportAs,
  testId,
  rowKey,
}: {
  rows: R[];
  columns: Column<R>[];
  csv?: { path: string; fileName: string };
  exportAs?: string;
  testId?: string;
  rowKey?: (row: R, i: number) => string;
}) {
  return (
    <div className="table-wrap">
      {csv ? <CsvButton {...csv} /> : exportAs ? <ShownRowsCsvButton rows={rows} columns={columns} fileName={exportAs} /> : null}
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} className={c.numeric ? 'num' : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey ? rowKey(row, i) : i}>
              {columns.map((c) => (
                <td key={c.title} className={c.numeric ? 'num' : undefined}>
                  {c.value(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ShownRowsCsvButton<R>({ rows, columns, fileName }: { rows: R[]; columns: Column<R>[]; fileName: string }) {
  const exported = columns.filter((c) => c.title !== '');
  const cell = (c: Column<R>, row: R): string | number | null => {
    if (c.csv) return c.csv(row);
    const value = c.value(row);
    return typeof value === 'string' || typeof value === 'number'
      ? value
      : isValidElement(value)
        ? null
        : value === null || value === undefined
          ? null
          : String(value);
  };
  const download = () => {
    const text = stringify([exported.map((c) => c.title), ...rows.map((row) => exported.map((c) => cell(c, row)))]);
    saveAs(new Blob([text], { type: 'text/csv' }), fileName);
  };
  return (
    <span className="csv">
      <button type="button" onClick={download}>
        Export CSV
      </button>
    </span>
  );
}

export function CsvButton({ path, fileName }: { path: string; fileName: string }) {
  const { key } = useSession();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="csv">
      <button type="button" onClick={() => downloadCsv(key, path, fileName).catch((e: Error) => setError(e.message))}>
        Export CSV
      </button>
      {error ? <span className="error-text">{error}</span> : null}
    </span>
  );
}

export function Stat({ label, value, testId, hint }: { label: string; value: ReactNode; testId?: string; hint?: string }) {
  return (
    <div className="stat" title={hint}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function DateField({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <label className="field">
      {label} <input type="date" value={value} onChange={(e) => e.target.value && onChange(e.target.value)} />
    </label>
  );
}
