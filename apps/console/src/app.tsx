import { useState, type FormEvent } from 'react';
import { Link, Route, Router, Switch, useLocation } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { ApiError } from './api';
import { CustomerPage } from './pages/customer';
import { FinancePage } from './pages/finance';
import { IngestionPage } from './pages/ingestion';
import { NotificationsPage } from './pages/notifications';
import { OverviewPage } from './pages/overview';
import { RulesPage } from './pages/rules';
import { SegmentsPage } from './pages/segments';
import { SessionProvider, useSession, type Role } from './session';

/** The pages, and the roles that may see each (the API decides; the menu only leaves out what would be refused). */
const PAGES: { path: string; title: string; roles: Role[] }[] = [
  { path: '/', title: 'Overview', roles: ['finance', 'ops'] },
  { path: '/customers', title: 'Customer', roles: ['ingest', 'redeem', 'finance', 'ops'] },
  { path: '/segments', title: 'Segments and loyalty', roles: ['finance', 'ops'] },
  { path: '/finance', title: 'Finance', roles: ['finance'] },
  { path: '/rules', title: 'Rules and replays', roles: ['finance', 'ops'] },
  { path: '/ingestion', title: 'Ingestion', roles: ['ops'] },
  { path: '/notifications', title: 'Notifications', roles: ['ops'] },
];

export function App() {
  return (
    <Router hook={useHashLocation}>
      <SessionProvider>
        {(session, signIn, restoring) =>
          restoring && !session ? <div className="state loading">Signing in…</div> : session ? <Shell /> : <SignIn signIn={signIn} />
        }
      </SessionProvider>
    </Router>
  );
}

function SignIn({ signIn }: { signIn: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key is not valid.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit}>
        <h1>Loyalty ledger</h1>
        <p>Sign in with an API key. It is kept in this tab's session storage only.</p>
        <label className="field">
          API key <input name="apiKey" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}

function Shell() {
  const session = useSession();
  const [location] = useLocation();
  const current = (path: string) => (path === '/' ? location === '/' : location.startsWith(path));
  return (
    <div className="shell">
      <nav aria-label="Pages">
        <div className="brand">Loyalty ledger</div>
        {PAGES.filter((p) => session.may(...p.roles)).map((p) => (
          <Link key={p.path} href={p.path} className={current(p.path) ? 'active' : undefined}>
            {p.title}
          </Link>
        ))}
        <div className="who">
          key {session.keyId} · {session.roles.join(', ')}
          <button type="button" onClick={session.signOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main>
        <Switch>
          <Route path="/" component={OverviewPage} />
          <Route path="/customers">
            <CustomerPage />
          </Route>
          <Route path="/customers/:id">{(params) => <CustomerPage id={decodeURIComponent(params.id)} />}</Route>
          <Route path="/segments" component={SegmentsPage} />
          <Route path="/finance" component={FinancePage} />
          <Route path="/rules" component={RulesPage} />
          <Route path="/ingestion" component={IngestionPage} />
          <Route path="/notifications" component={NotificationsPage} />
          <Route>
            <div className="state empty">No such page.</div>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
