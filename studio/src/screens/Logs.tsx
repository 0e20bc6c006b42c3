// The call log: a search of the org's data-plane calls (endpoint, version, status class, code,
// caller, time range, text), paged with the last row's cursor; a live tail (server-sent events)
// that puts calls on top as they are answered; one call whole, and its replay (CallDetail).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query, type ApiError } from '../api';
import { href, navigate } from '../router';
import { Field, Page, ProblemView, StatusBadge, ago, toApiError, when } from '../ui';
import { CallDetail, type Call } from './LogDetail';
import './cells.css';
import './logs.css';

const PAGE = 50;
const MAX_ROWS = 1000;
const FILTERS = ['endpoint', 'version', 'status', 'code', 'caller', 'from', 'to', 'q'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

export default function Logs({ requestId, params }: { requestId?: string; params: URLSearchParams }) {
  if (requestId) return <CallDetail requestId={requestId} />;
  return <CallList params={params} />;
}

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Filters;
}

/** An ISO instant as a datetime-local input shows it (local time, to the minute). */
function toLocalInput(iso: string): string {
  const at = new Date(iso);
  if (!iso || isNaN(at.getTime())) return '';
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local input's value as the ISO instant the API reads. */
function fromLocalInput(value: string): string {
  return value ? new Date(value).toISOString() : '';
}

function CallList({ params }: { params: URLSearchParams }) {
  const filters = filtersOf(params);
  const key = query(filters);
  const page = usePages(key);
  const [tail, setTail] = useState(false);
  const tailState = useTail(tail, key, page.prepend);
  return (
    <Page title="Logs">
      <FilterForm filters={filters} />
      <div class="toolbar tail-bar">
        <label class="check">
          <input type="checkbox" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} /> Live tail
        </label>
        {tailState ? (
          <span class={`badge ${tailState === 'live' ? 'good' : 'warn'}`} role="status">
            {tailState}
          </span>
        ) : null}
      </div>
      <ProblemView error={page.error} />
      <CallTable calls={page.calls} />
      {page.more ? (
        <button type="button" disabled={page.busy} onClick={() => void page.loadMore()}>
          {page.busy ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </Page>
  );
}

/** The search's pages: the first when the filters change, the next after the last row's cursor. */
function usePages(key: string) {
  const [calls, setCalls] = useState<Call[]>([]);
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  // the filters of the newest search: an answer to an earlier one that comes later is dropped
  const latest = useRef(key);
  const load = async (before?: string) => {
    setBusy(true);
    const params = new URLSearchParams(key);
    params.set('limit', String(PAGE));
    if (before) params.set('before', before);
    try {
      const found = await get<Call[]>(`/api/logs?${params}`);
      if (latest.current !== key) return;
      setCalls((old) => (before ? [...old, ...found] : found));
      setMore(found.length === PAGE);
      setError(undefined);
    } catch (e) {
      if (latest.current !== key) return;
      setError(toApiError(e));
      if (!before) setCalls([]);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    latest.current = key;
    void load();
  }, [key]);
  // a long tail keeps the newest rows; what falls off the end is the next page again
  const prepend = (call: Call) =>
    setCalls((old) => {
      if (old.some((c) => c.requestId === call.requestId)) return old;
      if (old.length >= MAX_ROWS) setMore(true);
      return [call, ...old].slice(0, MAX_ROWS);
    });
  return { calls, more, busy, error, prepend, loadMore: () => load(calls[calls.length - 1]?.cursor) };
}

/**
 * While `on`, follows GET /api/logs/tail with the search's filters, handing each call to `add`;
 * closed when switched off, when the filters change and when the screen goes. Answers the
 * tail's state for the badge ('' when off).
 */
function useTail(on: boolean, key: string, add: (call: Call) => void): string {
  const [state, setState] = useState('');
  useEffect(() => {
    if (!on) return;
    setState('connecting');
    const events = new EventSource(`/api/logs/tail${key}`);
    events.onopen = () => setState('live');
    events.onerror = () => setState(events.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    events.addEventListener('call', (e) => add(JSON.parse((e as MessageEvent).data) as Call));
    events.addEventListener('dropped', (e) => setState(`live, ${JSON.parse((e as MessageEvent).data).calls} calls missed`));
    return () => {
      events.close();
      setState('');
    };
  }, [on, key]);
  return state;
}

function FilterForm({ filters }: { filters: Filters }) {
  const shown = () => ({ ...filters, from: toLocalInput(filters.from), to: toLocalInput(filters.to) });
  const [draft, setDraft] = useState<Filters>(shown);
  useEffect(() => setDraft(shown()), [query(filters)]);
  const text = (name: keyof Filters, label: string, extra: Record<string, string> = {}) => (
    <Field label={label}>{(id) => <input id={id} {...extra} value={draft[name]} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} />}</Field>
  );
  const apply = (e: Event) => {
    e.preventDefault();
    navigate(href('logs') + query({ ...draft, from: fromLocalInput(draft.from), to: fromLocalInput(draft.to) }));
  };
  const clear = () => navigate(href('logs'));
  return (
    <form class="card filters" aria-label="Filters" onSubmit={apply}>
      <div class="row">
        {text('endpoint', 'Endpoint')}
        {text('version', 'Version', { inputMode: 'numeric' })}
        <Field label="Status">
          {(id) => (
            <select id={id} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
              <option value="">any</option>
              {['2xx', '3xx', '4xx', '5xx'].map((s) => (
                <option value={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        {text('code', 'Error code')}
        {text('caller', 'Caller')}
        {text('from', 'From', { type: 'datetime-local' })}
        {text('to', 'To', { type: 'datetime-local' })}
        {text('q', 'Text in the error', { type: 'search' })}
      </div>
      <div class="actions">
        <button class="primary" type="submit">
          Search
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}

function CallTable({ calls }: { calls: Call[] }) {
  return (
    <div class="table-wrap">
      <table class="list calls" aria-label="Calls">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Call</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Caller</th>
            <th scope="col">Error code</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            // the link is the keyboard's way in; a click anywhere on the row does the same
            <tr data-request-id={c.requestId} class="clickable" onClick={(e) => (e.target as Element).closest('a') || navigate(href('logs', c.requestId))}>
              <td data-label="Time" title={when(c.at)}>{ago(c.at)}</td>
              <td>
                <a href={href('logs', c.requestId)}>
                  {c.method} {c.path}
                </a>
              </td>
              <td data-label="Endpoint">
                {c.endpoint} <span class="muted">v{c.version}</span>
              </td>
              <td data-label="Status">
                <StatusBadge status={c.status} />
              </td>
              <td data-label="Duration" class="num">{c.durationMs.toFixed(1)} ms</td>
              <td data-label="Caller" class="small">{c.caller ?? '—'}</td>
              <td data-label="Error code" class="small">{c.errorCode ? <code>{c.errorCode}</code> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {calls.length === 0 ? <p class="empty">No calls match.</p> : null}
    </div>
  );
}
