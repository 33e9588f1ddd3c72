import { useCallback, useEffect, useRef, useState } from 'react';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ok'; data: T };

/**
 * Runs a query when its inputs change; the latest answer wins. reload() asks again and keeps
 * showing the answer it has meanwhile (a page polled every second does not flicker).
 */
export function useApi<T>(query: () => Promise<T>, inputs: readonly unknown[]): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  const asked = useRef('');
  useEffect(() => {
    const mine = ++latest.current;
    const question = JSON.stringify(inputs);
    if (question !== asked.current) setLoaded({ state: 'loading' });
    asked.current = question;
    query().then(
      (data) => mine === latest.current && setLoaded({ state: 'ok', data }),
      (error: unknown) => mine === latest.current && setLoaded({ state: 'error', error }),
    );
    // The inputs are the dependencies (the query closes over them).
  }, [...inputs, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...loaded, reload };
}
