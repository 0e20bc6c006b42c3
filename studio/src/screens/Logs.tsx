// The call log: search by endpoint, version, status class, code, caller and text; a live tail
// (server-sent events) that adds calls as they are answered; one call's detail and its replay.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, query } from '../api';
import { href, navigate } from '../router';
import { can } from '../session';
import { Field, Page, ProblemView, Show, StatusBadge, ago, pretty, toApiError, useAction, useLoad, when } from '../ui';
import type { ApiError } from '../api';
import './logs.css';

export type Call = {
  at: string;
  requestId: string;
  method: string;
  path: string;
  endpoint: string;
  version: number;
  releaseId: number;
  status: number;
  durationMs: number;
  error: string | null;
  errorCode: string | null;
  caller: string | null;
  client: string | null;
  requestBytes: number;
  responseBytes: number;
  scriptCpuMs: number;
  databaseMs: number;
  egressBytes: number;
  steps: { step: string; ms: number }[];
  bodies?: { query: string | null; contentType: string | null; request: string | null; response: string | null; truncated: boolean } | null;
  cursor: string;
};

const FILTERS = ['endpoint', 'version', 'status', 'code', 'caller', 'q'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export default function Logs({ requestId, params }: { requestId?: string; params: URLSearchParams }) {
  if (requestId) return <CallDetail requestId={requestId} />;
  return <CallList params={params} />;
}

function CallList({ params }: { params: URLSearchParams }) {
  const filters: Filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? '']));
  const [draft, setDraft] = useState<Filters>(filters);
  const [calls, setCalls] = useState<Call[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [tail, setTail] = useState(false);
  const [tailState, setTailState] = useState('');
  const key = query(filters);

  const load = async (before?: string) => {
    try {
      const page = await get<Call[]>(`/api/logs${query({ ...filters, before, limit: 50 })}`);
      setCalls((old) => (before ? [...old, ...page] : page));
      setMore(page.length === 50);
      setError(undefined);
    } catch (e) {
      setError(toApiError(e));
    }
  };
  useEffect(() => void load(), [key]);

  // the live tail: calls as they are answered, newest on top
  const source = useRef<EventSource>();
  useEffect(() => {
    if (!tail) return;
    const events = new EventSource(`/api/logs/tail${key}`);
    source.current = events;
    events.onopen = () => setTailState('live');
    events.onerror = () => setTailState('reconnecting');
    events.addEventListener('call', (e) => {
      const call = JSON.parse((e as MessageEvent).data) as Call;
      setCalls((old) => (old.some((c) => c.requestId === call.requestId) ? old : [call, ...old].slice(0, 500)));
    });
    events.addEventListener('dropped', (e) => setTailState(`live (missed ${(e as MessageEvent).data})`));
    return () => {
      events.close();
      setTailState('');
    };
  }, [tail, key]);

  const apply = (e: Event) => {
    e.preventDefault();
    navigate(href('logs') + query(draft));
  };
  return (
    <Page title="Logs">
      <form class="card filters" aria-label="Filters" onSubmit={apply}>
        <div class="row">
          <Field label="Endpoint">{(id) => <input id={id} value={draft.endpoint} onInput={(e) => setDraft({ ...draft, endpoint: e.currentTarget.value })} />}</Field>
          <Field label="Version">{(id) => <input id={id} inputMode="numeric" value={draft.version} onInput={(e) => setDraft({ ...draft, version: e.currentTarget.value })} />}</Field>
          <Field label="Status">
            {(id) => (
              <select id={id} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
                <option value="">any</option>
                <option value="2xx">2xx</option>
                <option value="3xx">3xx</option>
                <option value="4xx">4xx</option>
                <option value="5xx">5xx</option>
              </select>
            )}
          </Field>
          <Field label="Error code">{(id) => <input id={id} value={draft.code} onInput={(e) => setDraft({ ...draft, code: e.currentTarget.value })} />}</Field>
          <Field label="Caller">{(id) => <input id={id} value={draft.caller} onInput={(e) => setDraft({ ...draft, caller: e.currentTarget.value })} />}</Field>
          <Field label="Text in the error">{(id) => <input id={id} value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />}</Field>
        </div>
        <div class="actions">
          <button class="primary" type="submit">
            Search
          </button>
          <label class="check">
            <input type="checkbox" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} /> Live tail
          </label>
          {tailState ? (
            <span class="badge good" role="status">
              {tailState}
            </span>
          ) : null}
        </div>
      </form>
      <ProblemView error={error} />
      <div class="table-wrap">
        <table class="list calls" aria-label="Calls">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Call</th>
              <th scope="col">Status</th>
              <th scope="col">Time</th>
              <th scope="col">Caller</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr data-request-id={c.requestId}>
                <td title={when(c.at)}>{ago(c.at)}</td>
                <td>
                  <a href={href('logs', c.requestId)}>
                    {c.method} {c.path}
                  </a>
                  <div class="muted small">
                    {c.endpoint} v{c.version}
                  </div>
                </td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.errorCode ? <div class="small">{c.errorCode}</div> : null}
                </td>
                <td>{c.durationMs.toFixed(1)} ms</td>
                <td class="small">{c.caller ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {calls.length === 0 ? <p class="empty">No calls match.</p> : null}
      </div>
      {more ? (
        <button type="button" onClick={() => void load(calls[calls.length - 1]?.cursor)}>
          Load more
        </button>
      ) : null}
    </Page>
  );
}

type Replay = {
  recorded: { status: number; version: number; durationMs: number; body: string };
  replayed: { status: number; version: number; durationMs: number; body: string };
  sameStatus: boolean;
  sameBody: boolean;
};

function CallDetail({ requestId }: { requestId: string }) {
  const loaded = useLoad(() => get<Call>(`/api/logs/${encodeURIComponent(requestId)}`), [requestId]);
  return (
    <Page title={<>Call <code>{requestId}</code></>} actions={<a class="button" href={href('logs')}>All calls</a>}>
      <Show loaded={loaded}>
        {(c) => {
          const total = Math.max(c.durationMs, ...c.steps.map((s) => s.ms), 0.001);
          return (
            <div class="split">
              <section class="card">
                <h2>
                  {c.method} {c.path} <StatusBadge status={c.status} />
                </h2>
                <dl class="facts">
                  <dt>When</dt><dd>{when(c.at)}</dd>
                  <dt>Endpoint</dt><dd><a href={href('endpoints', c.endpoint)}>{c.endpoint}</a> v{c.version} (release {c.releaseId})</dd>
                  <dt>Duration</dt><dd>{c.durationMs.toFixed(2)} ms</dd>
                  <dt>Caller</dt><dd>{c.caller ?? '—'}</dd>
                  <dt>Client</dt><dd>{c.client ?? '—'}</dd>
                  <dt>Sizes</dt><dd>{c.requestBytes} B in, {c.responseBytes} B out</dd>
                  <dt>Cost</dt><dd>script CPU {c.scriptCpuMs.toFixed(2)} ms, database {c.databaseMs.toFixed(2)} ms, egress {c.egressBytes} B</dd>
                  {c.errorCode ? <><dt>Error code</dt><dd>{c.errorCode}</dd></> : null}
                </dl>
                {c.error ? <pre class="call-error">{c.error}</pre> : null}
                <h3>Steps</h3>
                {c.steps.length ? (
                  <ol class="waterfall" aria-label="Step timings">
                    {c.steps.map((s) => (
                      <li>
                        <span>{s.step}</span>
                        <span class="bar-track"><span class="bar" style={{ width: `${Math.max((s.ms / total) * 100, 0.5)}%` }} /></span>
                        <span class="ms">{s.ms.toFixed(2)} ms</span>
                      </li>
                    ))}
                  </ol>
                ) : <p class="muted small">No steps ran.</p>}
              </section>
              <section class="card">
                <h2>Bodies</h2>
                {c.bodies ? (
                  <>
                    {c.bodies.query ? <p><code>?{c.bodies.query}</code></p> : null}
                    <h3>Request {c.bodies.contentType ? <span class="muted small">({c.bodies.contentType})</span> : null}</h3>
                    <pre>{c.bodies.request ? pretty(c.bodies.request) : '—'}</pre>
                    <h3>Response</h3>
                    <pre data-testid="response-body">{c.bodies.response ? pretty(c.bodies.response) : '—'}</pre>
                    {c.bodies.truncated ? <p class="muted small">Cut to the endpoint's log.maxBytes.</p> : null}
                  </>
                ) : (
                  <p class="muted small">This endpoint does not keep bodies (<code>log: {'{bodies: true}'}</code> in its spec keeps them).</p>
                )}
                {can('preview') ? <ReplayForm requestId={c.requestId} /> : null}
              </section>
            </div>
          );
        }}
      </Show>
    </Page>
  );
}

function ReplayForm({ requestId }: { requestId: string }) {
  const [target, setTarget] = useState('live');
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState<Replay>();
  const action = useAction(async () => {
    const h = Object.fromEntries(
      headers.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    setResult(await post<Replay>(`/api/logs/${encodeURIComponent(requestId)}/replay`, { target: /^\d+$/.test(target) ? Number(target) : target, headers: h }));
  });
  return (
    <form
      aria-label="Replay"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      <h2>Replay</h2>
      <div class="row">
        <Field label="Against" hint="live, latest, or a version number">{(id) => <input id={id} value={target} onInput={(e) => setTarget(e.currentTarget.value)} />}</Field>
        <Field label="Headers" hint="credentials were not kept: X-API-Key: … or Authorization: …">{(id) => <textarea id={id} rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />}</Field>
      </div>
      <button type="submit" disabled={action.busy}>{action.busy ? 'Replaying…' : 'Replay'}</button>
      <ProblemView error={action.error} />
      {result ? (
        <div class="replay" data-testid="replay">
          <p>
            <span class={`badge ${result.sameStatus ? 'good' : 'bad'}`}>{result.sameStatus ? 'same status' : 'status differs'}</span>
            <span class={`badge ${result.sameBody ? 'good' : 'warn'}`}>{result.sameBody ? 'same body' : 'body differs'}</span>
          </p>
          <div class="split">
            <div>
              <h3>Recorded (v{result.recorded.version}) <StatusBadge status={result.recorded.status} /></h3>
              <pre>{pretty(result.recorded.body)}</pre>
            </div>
            <div>
              <h3>Replayed (v{result.replayed.version}) <StatusBadge status={result.replayed.status} /></h3>
              <pre>{pretty(result.replayed.body)}</pre>
            </div>
          </div>
        </div>
      ) : null}
    </form>
  );
}
