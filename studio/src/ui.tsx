// Small pieces every screen uses: loading data, showing a problem, buttons and fields. User
// content is only ever rendered as text (JSX escapes it); nothing here sets innerHTML.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export type Loaded<T> = {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
};

/** Loads `load()` when `deps` change; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error: toApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: useCallback(() => setRound((r) => r + 1), []) };
}

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError({ status: 0, title: 'Something went wrong', detail: String(e) });
}

/** What an action came to: its notice (a status line) and its problem, if any. */
export function Outcome({ notice, error }: { notice?: ComponentChildren; error?: ApiError }) {
  return (
    <>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ProblemView error={error} />
    </>
  );
}

/** Runs an action, keeping its error and whether it runs, for buttons and forms. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action(...args);
    } catch (e) {
      setError(toApiError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(undefined) };
}

export function ProblemView({ error }: { error?: ApiError }) {
  if (!error) return null;
  const p = error.problem;
  return (
    <div class="problem" role="alert">
      <strong>{p.title ?? 'Error'}</strong>
      {p.status ? <span class="muted"> ({p.status}{p.code ? ` ${p.code}` : ''})</span> : null}
      {p.detail ? <div>{p.detail}</div> : null}
      {p.errors?.length ? (
        <ul>
          {p.errors.map((v) => (
            <li>
              <code>{v.path || '/'}</code> {v.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" role="status">
      {what}…
    </p>
  );
}

/** Shows the loaded data, a spinner while the first load runs, or the problem. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <ProblemView error={loaded.error} />;
  if (loaded.data === undefined) return <Loading />;
  return <>{children(loaded.data)}</>;
}

export function Page({ title, actions, children }: { title: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page">
      <header class="page-head">
        <h1>{title}</h1>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

let fieldIds = 0;
/** A labelled control: the label is tied to the control by id. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string) => JSX.Element }) {
  const id = useRef(`f${++fieldIds}`).current;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id)}
      {hint ? <small class="muted">{hint}</small> : null}
    </div>
  );
}

export function Tabs<T extends string>({ tabs, current, onChange, label }: { tabs: [T, string][]; current: T; onChange: (t: T) => void; label: string }) {
  return (
    <div class="tabs" role="tablist" aria-label={label}>
      {tabs.map(([id, name]) => (
        <button role="tab" type="button" aria-selected={id === current} class={id === current ? 'tab on' : 'tab'} onClick={() => onChange(id)}>
          {name}
        </button>
      ))}
    </div>
  );
}

export function ago(at: string | number | Date | undefined | null): string {
  if (!at) return '—';
  const ms = Date.now() - new Date(at).getTime();
  const s = Math.round(ms / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function when(at: string | undefined | null): string {
  return at ? new Date(at).toLocaleString() : '—';
}

export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

export function StatusBadge({ status }: { status: number }) {
  const kind = status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'good';
  return <span class={`badge ${kind}`}>{status}</span>;
}
