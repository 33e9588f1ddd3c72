import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { apiFor, ok, type Api } from './api';

export type Role = 'ingest' | 'redeem' | 'finance' | 'ops' | 'admin';

export interface Session {
  key: string;
  keyId: string;
  roles: Role[];
  api: Api;
  /** admin may do everything; otherwise one of the roles. */
  may(...anyOf: Role[]): boolean;
  signOut(): void;
}

const STORAGE_KEY = 'loyalty-console-key';
const SessionContext = createContext<Session | null>(null);

function sessionOf(key: string, keyId: string, roles: Role[], signOut: () => void): Session {
  return { key, keyId, roles, api: apiFor(key), may: (...anyOf) => roles.includes('admin') || anyOf.some((r) => roles.includes(r)), signOut };
}

/** Signs in with an API key (kept in session storage: gone when the tab closes) and knows its roles. */
export function SessionProvider({
  children,
}: {
  children: (session: Session | null, signIn: (key: string) => Promise<void>, restoring: boolean) => ReactNode;
}) {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(STORAGE_KEY) !== null);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, []);
  const signIn = useCallback(
    async (key: string) => {
      const who = await ok(apiFor(key).GET('/v1/session'));
      sessionStorage.setItem(STORAGE_KEY, key);
      setSession(sessionOf(key, who.keyId, who.roles as Role[], signOut));
    },
    [signOut],
  );
  useEffect(() => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored)
      signIn(stored)
        .catch(signOut)
        .finally(() => setRestoring(false));
  }, [signIn, signOut]);
  return <SessionContext.Provider value={session}>{children(session, signIn, restoring)}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
