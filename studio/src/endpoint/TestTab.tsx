// The test console (#/endpoints/<name>/test): a request built here — method, path parameters,
// query and header rows, a JSON body, who calls — goes to the latest saved version (or a chosen
// one) as a traced preview (X-Slipway-Trace: 1), which answers the endpoint's status, headers and
// body with each step's timing, the scripts' logs and the error. It can run again on each change
// of the request or of the saved version, and save the draft first. Below, the draft's test cases
// (kept in this browser per endpoint) run through POST /api/tests/run.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, post, send } from '../api';
import { TestResults, type TestOutcome } from '../drafts';
import { can } from '../session';
import { Field, ProblemView, StatusBadge, pretty, toApiError } from '../ui';
import { readSpec, sameSpec, type EndpointTabProps, type Spec } from './model';
import {
  METHODS,
  bodyError,
  initialRequest,
  pathParams,
  problemOf,
  requestBody,
  requestHeaders,
  target,
  testCase,
  type CallAs,
  type ConsoleRequest,
  type Pair,
} from './request';
import './console.css';

/** A traced preview's answer (EndpointRoutes.Traced); `untraced` when the server ignored the header. */
type Traced = {
  version: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
  steps: { step: string; offsetMs: number; ms: number }[];
  logs: string[];
  error: string | null;
  untraced?: boolean;
};

/** What the console keeps per endpoint for this browser tab (never the credential). */
type Kept = { request: ConsoleRequest; auto: boolean; autoSave: boolean };

export default function TestTab(props: EndpointTabProps) {
  const { name, saved } = props;
  if (!name || !saved) return <p class="muted">Save the endpoint first: the console calls its saved draft.</p>;
  if (!can('preview')) return <p class="muted">Your role may not preview drafts.</p>;
  return <Console key={name} {...props} name={name} saved={saved} />;
}

function useKept(name: string, spec: Spec): [Kept, (k: Kept) => void] {
  const key = `slipway.console.${name}`;
  const [kept, setKept] = useState<Kept>(() => {
    try {
      const stored = JSON.parse(sessionStorage.getItem(key) ?? 'null') as Kept | null;
      if (stored?.request?.query) return stored;
    } catch {
      // nothing usable kept: start from the spec
    }
    return { request: initialRequest(spec), auto: false, autoSave: false };
  });
  return [
    kept,
    (k) => {
      sessionStorage.setItem(key, JSON.stringify(k));
      setKept(k);
    },
  ];
}

function Console({ name, draft, saved, reload, params }: EndpointTabProps & { name: string; saved: NonNullable<EndpointTabProps['saved']> }) {
  const spec = saved.spec;
  const [kept, setKept] = useKept(name, spec);
  const { request, auto, autoSave } = kept;
  const setRequest = (r: ConsoleRequest) => setKept({ ...kept, request: r });
  const [credential, setCredential] = useState('');
  const [version, setVersion] = useState<number | undefined>(params.get('version') ? Number(params.get('version')) : undefined);
  const [answer, setAnswer] = useState<Traced>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const inFlight = useRef<AbortController>();

  const unsaved = !sameSpec(draft, spec);
  const blocked = problemOf(spec, request, credential);
  const run = async () => {
    if (blocked) return;
    inFlight.current?.abort();
    const controller = (inFlight.current = new AbortController());
    setBusy(true);
    setError(undefined);
    try {
      const at = version ? `/versions/${version}` : '';
      const url = `/api/endpoints/${encodeURIComponent(name)}${at}/preview${target(spec, request)}`;
      const response = await send(request.method, url, requestBody(request), requestHeaders(request, credential), controller.signal);
      const read = await readAnswer(response);
      if (!controller.signal.aborted) setAnswer(read);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(toApiError(e));
    } finally {
      if (inFlight.current === controller) setBusy(false);
    }
  };

  // re-run as you edit: each change of the request or of the saved version sends it again
  useEffect(() => {
    if (!auto || blocked) return;
    const timer = setTimeout(() => void run(), 350);
    return () => clearTimeout(timer);
  }, [auto, saved.version, version, JSON.stringify(request), credential]);

  const saving = useAutoSave(name, draft, autoSave && !version && unsaved && can('edit'), reload);

  return (
    <div class="console">
      <form
        class="card request"
        aria-label="Request"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <RequestLine spec={spec} request={request} setRequest={setRequest} />
        <PathParams spec={spec} request={request} setRequest={setRequest} />
        <div class="pairs-grid">
          <PairRows title="Query" noun="Query parameter" rows={request.query} onChange={(query) => setRequest({ ...request, query })} />
          <PairRows title="Headers" noun="Header" rows={request.headers} onChange={(headers) => setRequest({ ...request, headers })} />
        </div>
        {request.method !== 'GET' ? (
          <Field label="Body (JSON)" hint={bodyError(request) ? `Not JSON (${bodyError(request)}): sent as typed.` : undefined}>
            {(id) => <textarea id={id} rows={5} spellcheck={false} value={request.body} onInput={(e) => setRequest({ ...request, body: e.currentTarget.value })} />}
          </Field>
        ) : null}
        <Caller callAs={request.callAs} setCallAs={(callAs) => setRequest({ ...request, callAs })} credential={credential} setCredential={setCredential} />
        <div class="actions">
          <Field label="Send to">
            {(id) => (
              <select id={id} value={version ?? ''} onChange={(e) => setVersion(e.currentTarget.value ? Number(e.currentTarget.value) : undefined)}>
                <option value="">the latest saved version (v{saved.version})</option>
                {saved.versions
                  .filter((v) => v.version !== saved.version)
                  .map((v) => (
                    <option value={v.version}>
                      v{v.version}
                      {v.version === saved.liveVersion ? ' (live)' : ''}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <button class="primary" type="submit" disabled={!!blocked}>
            {busy ? 'Sending…' : 'Send'}
          </button>
        </div>
        {blocked ? <p class="muted small" role="status">{blocked}</p> : null}
        <div class="actions">
          <label class="check">
            <input type="checkbox" checked={auto} onChange={(e) => setKept({ ...kept, auto: e.currentTarget.checked })} /> Auto re-run on each change and save
          </label>
          {can('edit') ? (
            <label class="check">
              <input type="checkbox" checked={autoSave} onChange={(e) => setKept({ ...kept, autoSave: e.currentTarget.checked, auto: e.currentTarget.checked || auto })} /> Auto-save the draft and re-run
            </label>
          ) : null}
        </div>
        {unsaved && !version ? (
          <p class="badge warn unsaved" role="status">
            {saving.busy ? 'Saving the draft…' : saving.note ?? 'Unsaved changes: save to preview them.'}
          </p>
        ) : null}
        <ProblemView error={saving.error} />
      </form>
      <ProblemView error={error} />
      {answer ? <AnswerView answer={answer} /> : null}
      <DraftTests name={name} spec={spec} request={request} />
    </div>
  );
}

/** The preview's answer: the traced envelope, the endpoint's own answer when the server did not trace it, or a problem. */
async function readAnswer(response: Response): Promise<Traced> {
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok && json && typeof json === 'object' && Array.isArray(json.steps) && 'body' in json) return json as Traced;
  const version = response.headers.get('X-Slipway-Version');
  // no version header: the platform refused the preview (no such route, a secret it may not read)
  if (version === null) throw new ApiError(json && typeof json === 'object' ? { status: response.status, ...json } : { status: response.status, title: response.statusText, detail: text.slice(0, 500) });
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  return { version: Number(version), status: response.status, headers, body: text, durationMs: NaN, steps: [], logs: [], error: null, untraced: true };
}

/**
 * Saves the draft (PUT, the text as typed) a moment after it last changed while `on`, then loads
 * the endpoint again, whose new version re-runs the request. A text is tried once.
 */
function useAutoSave(name: string, draft: EndpointTabProps['draft'], on: boolean, reload: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const tried = useRef<string>();
  const renamed = readSpec(draft).spec?.name;
  const note = renamed !== undefined && renamed !== name ? `The draft renames the endpoint to "${renamed}": save it with Save draft.` : undefined;
  useEffect(() => {
    if (!on || note || tried.current === draft.text) return;
    const timer = setTimeout(async () => {
      tried.current = draft.text;
      setBusy(true);
      setError(undefined);
      try {
        const contentType = draft.format === 'json' ? 'application/json' : 'application/yaml';
        const response = await send('PUT', `/api/endpoints/${encodeURIComponent(name)}`, { text: draft.text, contentType });
        if (!response.ok) throw new ApiError({ status: response.status, ...(await response.json().catch(() => ({}))) });
        reload();
      } catch (e) {
        setError(toApiError(e));
      } finally {
        setBusy(false);
      }
    }, 800);
    return () => clearTimeout(timer);
  }, [on, draft.text, note]);
  return { busy, error, note };
}

function RequestLine({ spec, request, setRequest }: { spec: Spec; request: ConsoleRequest; setRequest: (r: ConsoleRequest) => void }) {
  return (
    <div class="request-line">
      <Field label="Method">
        {(id) => (
          <select id={id} value={request.method} onChange={(e) => setRequest({ ...request, method: e.currentTarget.value })}>
            {METHODS.map((m) => (
              <option value={m}>
                {m}
                {m === spec.method ? ' (the spec’s)' : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="field target">
        <span class="label" id="console-target">
          Path
        </span>
        <code aria-labelledby="console-target" data-testid="request-line">
          {target(spec, request)}
        </code>
      </div>
    </div>
  );
}

function PathParams({ spec, request, setRequest }: { spec: Spec; request: ConsoleRequest; setRequest: (r: ConsoleRequest) => void }) {
  const names = pathParams(String(spec.path ?? ''));
  if (!names.length) return null;
  return (
    <div class="row">
      {names.map((p) => (
        <Field label={`:${p}`} hint="path parameter">
          {(id) => <input id={id} value={request.params[p] ?? ''} onInput={(e) => setRequest({ ...request, params: { ...request.params, [p]: e.currentTarget.value } })} />}
        </Field>
      ))}
    </div>
  );
}

/** Rows of name and value (query parameters, headers), each removable, one more added on demand. */
function PairRows({ title, noun, rows, onChange }: { title: string; noun: string; rows: Pair[]; onChange: (rows: Pair[]) => void }) {
  const set = (i: number, pair: Pair) => onChange(rows.map((r, j) => (j === i ? pair : r)));
  return (
    <fieldset class="pairs">
      <legend>{title}</legend>
      {rows.map((r, i) => (
        <div class="pair">
          <input aria-label={`${noun} ${i + 1} name`} placeholder="name" value={r.name} onInput={(e) => set(i, { ...r, name: e.currentTarget.value })} />
          <input aria-label={`${noun} ${i + 1} value`} placeholder="value" value={r.value} onInput={(e) => set(i, { ...r, value: e.currentTarget.value })} />
          <button type="button" aria-label={`Remove ${noun.toLowerCase()} ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="add" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add {noun.toLowerCase()}
      </button>
      <small class="muted">Rows without a value are not sent.</small>
    </fieldset>
  );
}

function Caller({ callAs, setCallAs, credential, setCredential }: { callAs: CallAs; setCallAs: (c: CallAs) => void; credential: string; setCredential: (c: string) => void }) {
  return (
    <div class="row">
      <Field label="Call as">
        {(id) => (
          <select id={id} value={callAs} onChange={(e) => setCallAs(e.currentTarget.value as CallAs)}>
            <option value="nobody">nobody (no credentials)</option>
            <option value="key">a consumer key (X-API-Key)</option>
            <option value="jwt">a JWT (Authorization: Bearer)</option>
          </select>
        )}
      </Field>
      {callAs !== 'nobody' ? (
        <Field label={callAs === 'key' ? 'Consumer key' : 'JWT'} hint="kept only while this page is open">
          {(id) => <input id={id} type="password" autocomplete="off" spellcheck={false} value={credential} onInput={(e) => setCredential(e.currentTarget.value)} />}
        </Field>
      ) : null}
    </div>
  );
}

function AnswerView({ answer }: { answer: Traced }) {
  const headers = Object.entries(answer.headers ?? {});
  return (
    <section class="card answer" aria-label="Answer" data-testid="answer">
      <h2>
        Answer <StatusBadge status={answer.status} />
        <span class="muted small">
          v{answer.version}
          {Number.isFinite(answer.durationMs) ? ` · ${answer.durationMs.toFixed(1)} ms` : ''}
        </span>
      </h2>
      {answer.untraced ? (
        <p class="badge warn" role="status">
          The server ignored X-Slipway-Trace: this is the endpoint’s plain answer, without timings or logs.
        </p>
      ) : null}
      {answer.error ? (
        <p class="problem" data-testid="answer-error">
          {answer.error}
        </p>
      ) : null}
      <h3>Body</h3>
      <pre data-testid="answer-body">{answer.body === '' ? <span class="muted">(empty)</span> : pretty(answer.body)}</pre>
      <h3>Steps</h3>
      <Waterfall answer={answer} />
      <h3>Logs</h3>
      {answer.logs.length ? <pre data-testid="answer-logs">{answer.logs.join('\n')}</pre> : <p class="muted small">Nothing logged.</p>}
      <h3>Headers</h3>
      {headers.length ? (
        <table class="headers">
          <tbody>
            {headers.map(([k, v]) => (
              <tr>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">None.</p>
      )}
    </section>
  );
}

/** Each step as a bar placed by when it started and sized by how long it ran, on the call's scale. */
function Waterfall({ answer }: { answer: Traced }) {
  if (!answer.steps.length) return <p class="muted small">{answer.untraced ? 'No timings without a trace.' : 'No steps ran.'}</p>;
  const total = Math.max(Number.isFinite(answer.durationMs) ? answer.durationMs : 0, ...answer.steps.map((s) => s.offsetMs + s.ms), 0.001);
  return (
    <ol class="waterfall" aria-label="Step timings">
      {answer.steps.map((s) => (
        <li>
          <span class="step-name">{s.step}</span>
          <span class="bar-track" title={`starts at ${s.offsetMs.toFixed(2)} ms, runs ${s.ms.toFixed(2)} ms`}>
            <span class="bar" style={{ marginLeft: `${(s.offsetMs / total) * 100}%`, width: `${Math.max((s.ms / total) * 100, 0.5)}%` }} />
          </span>
          <span class="ms">
            <span class="sr-only">starts at {s.offsetMs.toFixed(2)} ms, runs </span>
            {s.ms.toFixed(2)} ms
          </span>
        </li>
      ))}
    </ol>
  );
}

type RunResult = { passed: number; failed: number; results: TestOutcome[] };

/**
 * The draft's test cases as JSON (an array of cases, or {fixtures, tests}), kept in this browser
 * per endpoint, run against the endpoint's latest saved version with its database work rolled back.
 */
function DraftTests({ name, spec, request }: { name: string; spec: Spec; request: ConsoleRequest }) {
  const key = `slipway.tests.${name}`;
  const [text, setStored] = useState(() => localStorage.getItem(key) ?? JSON.stringify([testCase(spec, request, 'answers 200')], null, 2));
  const [results, setResults] = useState<RunResult>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const setText = (t: string) => {
    localStorage.setItem(key, t);
    setStored(t);
  };
  const addCase = () => {
    let cases: unknown[] = [];
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) cases = parsed;
    } catch {
      // not a list of cases: start one
    }
    setText(JSON.stringify([...cases, testCase(spec, request, `${request.method} ${target(spec, request)}`)], null, 2));
  };
  const runTests = async () => {
    setBusy(true);
    setError(undefined);
    setResults(undefined);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new ApiError({ status: 0, title: 'The test cases are not JSON', detail: (e as Error).message });
      }
      const body = Array.isArray(parsed) ? { tests: parsed } : (parsed as object);
      setResults(await post<RunResult>('/api/tests/run', { ...body, endpoints: [name] }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-label="Tests">
      <h2>Tests</h2>
      <Field label="Test cases (JSON)" hint="[{name, method, path, body?, role?, claims?, status, fields?}], or {fixtures, tests}; run against the latest saved version, rolled back. Kept in this browser.">
        {(id) => <textarea id={id} rows={8} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />}
      </Field>
      <div class="actions">
        <button type="button" class="primary" onClick={runTests} disabled={busy}>
          {busy ? 'Running…' : 'Run tests'}
        </button>
        <button type="button" onClick={addCase}>
          Add the request above as a case
        </button>
      </div>
      <ProblemView error={error} />
      {results ? (
        <div data-testid="test-results" role="status">
          <p>
            <span class="badge good">{results.passed} passed</span>
            <span class={`badge ${results.failed ? 'bad' : 'good'}`}>{results.failed} failed</span>
          </p>
          <TestResults results={results.results} />
        </div>
      ) : null}
    </section>
  );
}
