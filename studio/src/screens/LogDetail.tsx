// One call of the log whole (GET /api/logs/{requestId}): every field, its steps' times as bars,
// its bodies when its endpoint keeps them; and a replay of it (POST .../replay) against the live
// version, the latest draft or a version, recorded and replayed answers side by side.
import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { href } from '../router';
import { can } from '../session';
import { Field, Page, ProblemView, Show, StatusBadge, pretty, useAction, useLoad, when } from '../ui';

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

export function CallDetail({ requestId }: { requestId: string }) {
  const loaded = useLoad(() => get<Call>(`/api/logs/${encodeURIComponent(requestId)}`), [requestId]);
  return (
    <Page title={<>Call <code>{requestId}</code></>} actions={<a class="button" href={href('logs')}>All calls</a>}>
      <Show loaded={loaded}>
        {(c) => (
          <div class="split">
            <section class="card">
              <h2>
                {c.method} {c.path} <StatusBadge status={c.status} />
              </h2>
              <Facts call={c} />
              {c.error ? <pre class="call-error">{c.error}</pre> : null}
              <h3>Steps</h3>
              <StepBars call={c} />
            </section>
            <section class="card">
              <Bodies call={c} />
              {can('preview') ? <ReplayForm requestId={c.requestId} /> : null}
            </section>
          </div>
        )}
      </Show>
    </Page>
  );
}

function Facts({ call: c }: { call: Call }) {
  const logsOf = href('logs') + `?endpoint=${encodeURIComponent(c.endpoint)}`;
  return (
    <dl class="facts">
      <dt>When</dt>
      <dd>{when(c.at)}</dd>
      <dt>Request id</dt>
      <dd><code>{c.requestId}</code></dd>
      <dt>Endpoint</dt>
      <dd>
        <a href={href('endpoints', c.endpoint)}>{c.endpoint}</a> v{c.version} (release {c.releaseId}) · <a href={logsOf}>its calls</a>
      </dd>
      <dt>Status</dt>
      <dd>{c.status}</dd>
      <dt>Duration</dt>
      <dd>{c.durationMs.toFixed(2)} ms</dd>
      <dt>Error code</dt>
      <dd>{c.errorCode ? <code>{c.errorCode}</code> : '—'}</dd>
      <dt>Caller</dt>
      <dd>{c.caller ?? '—'}</dd>
      <dt>Client</dt>
      <dd>{c.client ?? '—'}</dd>
      <dt>Sizes</dt>
      <dd>{c.requestBytes} B in, {c.responseBytes} B out</dd>
      <dt>Script CPU</dt>
      <dd>{c.scriptCpuMs.toFixed(2)} ms</dd>
      <dt>Database</dt>
      <dd>{c.databaseMs.toFixed(2)} ms</dd>
      <dt>Egress</dt>
      <dd>{c.egressBytes} B</dd>
    </dl>
  );
}

/** Each step's time as a bar, scaled to the whole call's. */
function StepBars({ call: c }: { call: Call }) {
  if (!c.steps.length) return <p class="muted small">No steps ran.</p>;
  const total = Math.max(c.durationMs, ...c.steps.map((s) => s.ms), 0.001);
  return (
    <ol class="waterfall" aria-label="Step timings">
      {c.steps.map((s) => (
        <li>
          <span>{s.step}</span>
          <span class="bar-track" aria-hidden="true">
            <span class="bar" style={{ width: `${Math.max((s.ms / total) * 100, 0.5)}%` }} />
          </span>
          <span class="ms">{s.ms.toFixed(2)} ms</span>
        </li>
      ))}
    </ol>
  );
}

function Bodies({ call: c }: { call: Call }) {
  const b = c.bodies;
  if (!b)
    return (
      <>
        <h2>Bodies</h2>
        <p class="muted small">
          This endpoint does not keep bodies (<code>log: {'{bodies: true}'}</code> in its spec keeps them).
        </p>
      </>
    );
  return (
    <>
      <h2>Bodies</h2>
      {b.query ? (
        <p>
          Query <code>?{b.query}</code>
        </p>
      ) : null}
      <h3>Request {b.contentType ? <span class="muted small">({b.contentType})</span> : null}</h3>
      <pre data-testid="request-body">{b.request ? pretty(b.request) : '—'}</pre>
      <h3>Response</h3>
      <pre data-testid="response-body">{b.response ? pretty(b.response) : '—'}</pre>
      {b.truncated ? <p class="muted small">Cut to the endpoint's log.maxBytes.</p> : null}
    </>
  );
}

type Answer = { status: number; version: number; durationMs: number; body: string | null };
type Replay = { recorded: Answer; replayed: Answer; sameStatus: boolean; sameBody: boolean };

/** "Name: value" lines as headers; a line without a colon is named in the error. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Header line ${i + 1} is not "Name: value".`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return headers;
}

function ReplayForm({ requestId }: { requestId: string }) {
  const [target, setTarget] = useState('live');
  const [version, setVersion] = useState('');
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState<Replay>();
  const action = useAction(async () => {
    setResult(undefined);
    const body = { target: target === 'version' ? Number(version) : target, headers: parseHeaders(headers) };
    setResult(await post<Replay>(`/api/logs/${encodeURIComponent(requestId)}/replay`, body));
  });
  return (
    <form
      aria-label="Replay"
      class="replay-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      <h2>Replay</h2>
      <p class="muted small">Runs the kept request again as a preview: database work is rolled back.</p>
      <div class="row">
        <Field label="Against">
          {(id) => (
            <select id={id} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="live">the live version</option>
              <option value="latest">the latest draft</option>
              <option value="version">a version…</option>
            </select>
          )}
        </Field>
        {target === 'version' ? (
          <Field label="Version number">{(id) => <input id={id} type="number" min={1} required value={version} onInput={(e) => setVersion(e.currentTarget.value)} />}</Field>
        ) : null}
      </div>
      <Field label="Headers" hint="one a line; credentials were not kept: X-API-Key: … or Authorization: …">
        {(id) => <textarea id={id} rows={2} spellcheck={false} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />}
      </Field>
      <button type="submit" class="primary" disabled={action.busy}>
        {action.busy ? 'Replaying…' : 'Replay'}
      </button>
      <ProblemView error={action.error} />
      {result ? <ReplayResult result={result} /> : null}
    </form>
  );
}

function ReplayResult({ result }: { result: Replay }) {
  const side = (title: string, a: Answer) => (
    <div>
      <h3>
        {title} (v{a.version}) <StatusBadge status={a.status} />
      </h3>
      <p class="muted small">{a.durationMs.toFixed(1)} ms</p>
      <pre>{a.body ? pretty(a.body) : '—'}</pre>
    </div>
  );
  return (
    <div class="replay" data-testid="replay" role="status">
      <p>
        <span class={`badge ${result.sameStatus ? 'good' : 'bad'}`}>{result.sameStatus ? 'same status' : 'status differs'}</span>
        <span class={`badge ${result.sameBody ? 'good' : 'warn'}`}>{result.sameBody ? 'same body' : 'body differs'}</span>
      </p>
      <div class="side-by-side">
        {side('Recorded', result.recorded)}
        {side('Replayed', result.replayed)}
      </div>
    </div>
  );
}
