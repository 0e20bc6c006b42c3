// The test console: a request built here is sent to the latest saved draft as a traced preview
// (X-Slipway-Trace: 1), which answers the endpoint's status, headers and body with each step's
// timing and the scripts' logs; it can run again whenever a new version is saved. Below it, the
// draft's test cases run through POST /api/tests/run.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, post, send } from '../api';
import { TestResults, type TestOutcome } from '../drafts';
import { can } from '../session';
import { Field, ProblemView, StatusBadge, pretty, toApiError } from '../ui';
import { readSpec, toText, type EndpointTabProps } from './model';
import './console.css';

type Traced = {
  version: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
  steps: { step: string; offsetMs: number; ms: number }[];
  logs: string[];
  error: string | null;
};

type CallAs = 'nobody' | 'key' | 'jwt';

/** `/api/teams/:teamId` → ['teamId'] */
function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

function lines(text: string): [string, string][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const at = l.search(/[:=]/);
      return at < 0 ? [l, ''] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
    });
}

export default function TestTab({ name, draft, saved }: EndpointTabProps) {
  const spec = saved?.spec;
  const [params, setParams] = useState<Record<string, string>>({});
  const [query, setQuery] = useState('');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [callAs, setCallAs] = useState<CallAs>('nobody');
  const [credential, setCredential] = useState('');
  const [auto, setAuto] = useState(false);
  const [answer, setAnswer] = useState<Traced>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const sent = useRef(0);

  const method = String(spec?.method ?? 'GET');
  const path = String(spec?.path ?? '/').replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, p: string) => encodeURIComponent(params[p] ?? ''));
  const queryString = new URLSearchParams(lines(query)).toString();
  const unsaved = !!spec && draft.text !== toText(spec, draft.format) && readSpec(draft).spec !== undefined;

  const run = async () => {
    if (!name) return;
    const round = ++sent.current;
    setBusy(true);
    setError(undefined);
    try {
      const h: Record<string, string> = { 'X-Slipway-Trace': '1', ...Object.fromEntries(lines(headers)) };
      if (callAs === 'key' && credential) h['X-API-Key'] = credential;
      if (callAs === 'jwt' && credential) h['X-Slipway-Authorization'] = `Bearer ${credential}`;
      const url = `/api/endpoints/${encodeURIComponent(name)}/preview${path}${queryString ? `?${queryString}` : ''}`;
      const response = await send(method, url, body.trim() && method !== 'GET' ? { text: body, contentType: 'application/json' } : undefined, h);
      const json = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiError({ status: response.status, ...json });
      if (round === sent.current) setAnswer(json as Traced);
    } catch (e) {
      if (round === sent.current) setError(toApiError(e));
    } finally {
      if (round === sent.current) setBusy(false);
    }
  };

  // re-run as you edit: each newly saved version, and each change of the request, runs again
  useEffect(() => {
    if (!auto) return;
    const timer = setTimeout(() => void run(), 400);
    return () => clearTimeout(timer);
  }, [auto, saved?.version, path, queryString, headers, body, callAs, credential]);

  if (!name || !saved || !spec) return <p class="muted">Save the endpoint first: the console calls its saved draft.</p>;
  if (!can('preview')) return <p class="muted">Your role may not preview drafts.</p>;

  const total = Math.max(answer?.durationMs ?? 0, ...(answer?.steps ?? []).map((s) => s.offsetMs + s.ms), 0.001);
  return (
    <div class="console">
      <form
        class="card"
        aria-label="Request"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div class="row">
          <div class="field">
            <span class="label">Request</span>
            <code data-testid="request-line">
              {method} {path}
              {queryString ? `?${queryString}` : ''}
            </code>
          </div>
        </div>
        {pathParams(String(spec.path ?? '')).length ? (
          <div class="row">
            {pathParams(String(spec.path)).map((p) => (
              <Field label={`Path parameter ${p}`}>{(id) => <input id={id} value={params[p] ?? ''} onInput={(e) => setParams({ ...params, [p]: e.currentTarget.value })} />}</Field>
            ))}
          </div>
        ) : null}
        <div class="row">
          <Field label="Query" hint="one name=value a line">
            {(id) => <textarea id={id} rows={2} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />}
          </Field>
          <Field label="Headers" hint="one Name: value a line">
            {(id) => <textarea id={id} rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />}
          </Field>
        </div>
        {method !== 'GET' ? (
          <Field label="Body (JSON)">{(id) => <textarea id={id} rows={4} value={body} onInput={(e) => setBody(e.currentTarget.value)} />}</Field>
        ) : null}
        <div class="row">
          <Field label="Call as">
            {(id) => (
              <select id={id} value={callAs} onChange={(e) => setCallAs(e.currentTarget.value as CallAs)}>
                <option value="nobody">nobody (no credentials)</option>
                <option value="key">a consumer key</option>
                <option value="jwt">a JWT</option>
              </select>
            )}
          </Field>
          {callAs !== 'nobody' ? (
            <Field label={callAs === 'key' ? 'Consumer key' : 'JWT'}>
              {(id) => <input id={id} type="password" autocomplete="off" value={credential} onInput={(e) => setCredential(e.currentTarget.value)} />}
            </Field>
          ) : null}
        </div>
        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Sending…' : `Send to v${saved.version}`}
          </button>
          <label class="check">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} /> Re-run on every save and change
          </label>
          {unsaved ? <span class="badge warn">unsaved changes: save to preview them</span> : null}
        </div>
      </form>
      <ProblemView error={error} />
      {answer ? (
        <section class="card answer" aria-label="Answer" data-testid="answer">
          <h2>
            Answer <StatusBadge status={answer.status} /> <span class="muted small">v{answer.version} · {answer.durationMs.toFixed(1)} ms</span>
          </h2>
          {answer.error ? <p class="problem">{answer.error}</p> : null}
          <h3>Body</h3>
          <pre data-testid="answer-body">{pretty(answer.body)}</pre>
          <h3>Steps</h3>
          {answer.steps.length ? (
            <ol class="waterfall" aria-label="Step timings">
              {answer.steps.map((s) => (
                <li>
                  <span class="step-name">{s.step}</span>
                  <span class="bar-track">
                    <span class="bar" style={{ marginLeft: `${(s.offsetMs / total) * 100}%`, width: `${Math.max((s.ms / total) * 100, 0.5)}%` }} />
                  </span>
                  <span class="ms">{s.ms.toFixed(2)} ms</span>
                </li>
              ))}
            </ol>
          ) : (
            <p class="muted small">No steps ran.</p>
          )}
          <h3>Logs</h3>
          {answer.logs.length ? <pre data-testid="answer-logs">{answer.logs.join('\n')}</pre> : <p class="muted small">Nothing logged.</p>}
          <h3>Headers</h3>
          <pre>{Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
        </section>
      ) : null}
      <DraftTests name={name} method={method} path={path} queryString={queryString} />
    </div>
  );
}


/** The draft's test cases, kept in this browser per endpoint, run against the latest drafts. */
function DraftTests({ name, method, path, queryString }: { name: string; method: string; path: string; queryString: string }) {
  const key = `slipway.tests.${name}`;
  const starter = () => JSON.stringify([{ name: 'answers 200', method, path: path + (queryString ? `?${queryString}` : ''), status: 200 }], null, 2);
  const [text, setText] = useState(() => localStorage.getItem(key) ?? starter());
  const [results, setResults] = useState<{ passed: number; failed: number; results: TestOutcome[] }>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const runTests = async () => {
    setBusy(true);
    setError(undefined);
    setResults(undefined);
    localStorage.setItem(key, text);
    try {
      let tests: unknown;
      try {
        tests = JSON.parse(text);
      } catch (e) {
        throw new ApiError({ status: 0, title: 'The test cases are not JSON', detail: String(e) });
      }
      setResults(await post('/api/tests/run', { endpoints: [name], tests }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-label="Tests">
      <h2>Tests</h2>
      <Field label="Test cases (JSON)" hint="[{name, method, path, body?, role?, claims?, status, fields?}] — run against the latest drafts, rolled back">
        {(id) => <textarea id={id} rows={8} value={text} onInput={(e) => setText(e.currentTarget.value)} />}
      </Field>
      <div class="actions">
        <button type="button" onClick={runTests} disabled={busy}>
          {busy ? 'Running…' : 'Run tests'}
        </button>
        <button type="button" class="link" onClick={() => setText(starter())}>
          Reset to one case for this request
        </button>
      </div>
      <ProblemView error={error} />
      {results ? (
        <div data-testid="test-results">
          <p>
            <span class="badge good">{results.passed} passed</span> <span class={`badge ${results.failed ? 'bad' : 'good'}`}>{results.failed} failed</span>
          </p>
          <TestResults results={results.results} />
        </div>
      ) : null}
    </section>
  );
}
