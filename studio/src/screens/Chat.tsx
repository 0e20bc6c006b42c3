// Chat with the generator: describe an endpoint, watch it being generated (POST /api/chat answers a
// stream of server-sent events: chat, progress, text, result or error, done), see the drafts it
// saved as diffs against their previous versions, their tests and checks, then open, preview or
// deploy them. Conversations are kept by the server and listed beside.
import { useEffect, useRef, useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { ApiError, get, readEvents, send, type Problem } from '../api';
import { DeployDrafts, PassCount, TestResults } from '../drafts';
import { Diff } from '../diffview';
import { href } from '../router';
import { can } from '../session';
import { ProblemView, ago, toApiError, useLoad } from '../ui';
import type { Saved } from '../endpoint/model';
import './chat.css';

type Version = { name: string; version: number; created: boolean };
type Check = { name: string; passed: boolean; findings: string[] };
/** What POST /api/generate-endpoint answers, and a chat's result event carries. */
type Generation = {
  explanation: string;
  notes?: string[];
  specs: { name: string }[];
  versions: Version[];
  testResults: { name: string; passed: boolean; status: number; detail: string }[];
  checks: Check[];
  indexSuggestions?: string[];
  release?: { id: number } | null;
};
type Step = { stage: string; detail: string };
type Turn = {
  role: 'user' | 'assistant';
  content: string;
  /** The assistant's: what it generated, or the problem it met. */
  generation?: Generation | Problem | { context: unknown } | null;
  at?: string;
  progress?: Step[];
  streaming?: boolean;
  stopped?: boolean;
};
type Conversation = { id: number; title: string; updatedAt: string; messages?: Turn[] };

const isGeneration = (g: unknown): g is Generation => !!g && typeof g === 'object' && 'specs' in g && 'versions' in g;
const isProblem = (g: unknown): g is Problem => !!g && typeof g === 'object' && 'status' in g;

export default function Chat({ chatId }: { chatId?: string }) {
  const list = useLoad(() => get<Conversation[]>('/api/chat'));
  const [turns, setTurns] = useState<Turn[]>([]);
  const [current, setCurrent] = useState<number>();
  const [message, setMessage] = useState('');
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<ApiError>();
  const stream = useRef<AbortController>();
  const end = useRef<HTMLDivElement>(null);

  /** Shows a conversation (or none, for a new one), leaving any stream still being read. */
  const open = (id?: number) => {
    stream.current?.abort();
    setError(undefined);
    setCurrent(id);
    setTurns([]);
    if (id !== undefined) void get<Conversation>(`/api/chat/${id}`).then((c) => setTurns(c.messages ?? []), (e) => setError(toApiError(e)));
  };
  // the address names the conversation (a stream's own "chat" event changes it without a hashchange)
  useEffect(() => open(chatId ? Number(chatId) : undefined), [chatId]);
  useEffect(() => end.current?.scrollIntoView?.({ block: 'end' }), [turns.length]);

  /** Changes the turn being streamed into, if it is still shown. */
  const update = (change: (t: Turn) => Turn) =>
    setTurns((all) => {
      const last = all[all.length - 1];
      return last?.streaming ? [...all.slice(0, -1), change(last)] : all;
    });

  const onEvent = (event: string, data: string) => {
    const body = JSON.parse(data);
    if (event === 'chat') {
      setCurrent(body.chatId);
      history.replaceState(null, '', href('chat', body.chatId));
    } else if (event === 'progress') update((t) => ({ ...t, progress: [...(t.progress ?? []), body as Step] }));
    else if (event === 'text') update((t) => ({ ...t, content: t.content ? `${t.content}\n\n${body.text}` : body.text }));
    else if (event === 'result' || event === 'error') update((t) => ({ ...t, generation: body }));
  };

  const sendMessage = async () => {
    const text = message.trim();
    if (!text || streaming) return;
    setError(undefined);
    setMessage('');
    setStreaming(true);
    setTurns((all) => [...all, { role: 'user', content: text }, { role: 'assistant', content: '', progress: [], streaming: true }]);
    const abort = new AbortController();
    stream.current = abort;
    try {
      const body = { message: text, ...(current !== undefined ? { chatId: current } : {}) };
      const response = await send('POST', '/api/chat', { json: body }, { Accept: 'text/event-stream' }, abort.signal);
      if (!response.ok) throw new ApiError({ status: response.status, ...(await response.json().catch(() => ({ title: response.statusText }))) });
      await readEvents(response, ({ event, data }) => onEvent(event, data));
    } catch (e) {
      if ((e as Error).name === 'AbortError') update((t) => ({ ...t, stopped: true }));
      else setError(toApiError(e));
    } finally {
      update((t) => ({ ...t, streaming: false }));
      if (stream.current === abort) stream.current = undefined;
      setStreaming(false);
      list.reload();
    }
  };

  return (
    <section class="chat-page">
      <aside class="chat-list" aria-label="Conversations">
        <a class="button primary" href={href('chat')} onClick={() => open(undefined)}>
          New conversation
        </a>
        {list.error ? <ProblemView error={list.error} /> : null}
        <ul>
          {(list.data ?? []).map((c) => (
            <li>
              <a href={href('chat', c.id)} aria-current={c.id === current ? 'page' : undefined}>
                {c.title}
              </a>
              <span class="muted small"> {ago(c.updatedAt)}</span>
            </li>
          ))}
        </ul>
      </aside>
      <div class="chat-main">
        <h1>Chat</h1>
        <div class="turns">
          {turns.length === 0 ? (
            <p class="muted">
              Describe an endpoint: “list projects with their team, newest first”, or “manage teams”. Then refine it: “and filter by status”. The drafts it makes are
              saved (not deployed) and tested.
            </p>
          ) : null}
          {turns.map((t) => (t.role === 'user' ? <UserTurn turn={t} /> : <AssistantTurn turn={t} />))}
          <div ref={end} />
        </div>
        <ProblemView error={error} />
        <form
          class="composer"
          onSubmit={(e) => {
            e.preventDefault();
            void sendMessage();
          }}
        >
          <label for="chat-message" class="sr-only">
            Message
          </label>
          <textarea
            id="chat-message"
            rows={3}
            placeholder="Describe the endpoint you want (Ctrl+Enter or ⌘+Enter sends)"
            value={message}
            disabled={streaming || !can('chat')}
            onInput={(e) => setMessage(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void sendMessage();
              }
            }}
          />
          {streaming ? (
            <button type="button" onClick={() => stream.current?.abort()}>
              Stop
            </button>
          ) : (
            <button class="primary" type="submit" disabled={!message.trim() || !can('chat')}>
              Send
            </button>
          )}
        </form>
      </div>
    </section>
  );
}

function UserTurn({ turn }: { turn: Turn }) {
  return (
    <article class="turn user" aria-label="You">
      <p class="words">{turn.content}</p>
    </article>
  );
}

/** The generator's turn: its steps as they come, its words, then what it made or the problem. */
function AssistantTurn({ turn }: { turn: Turn }) {
  const last = turn.progress?.[turn.progress.length - 1];
  return (
    <article class="turn assistant" aria-label="Slipway">
      {turn.progress?.length ? (
        <ol class="progress" aria-label="Progress">
          {turn.progress.map((p) => (
            <li>
              <strong>{p.stage}</strong> {p.detail}
            </li>
          ))}
        </ol>
      ) : null}
      {turn.content ? <p class="words">{turn.content}</p> : null}
      {turn.streaming ? (
        <p class="muted small" role="status">
          Generating…{last ? ` ${last.stage}: ${last.detail}` : ''}
        </p>
      ) : null}
      {turn.stopped ? <p class="muted small">Stopped. The server goes on with it and keeps the result in this conversation.</p> : null}
      {isGeneration(turn.generation) ? <Result generation={turn.generation} /> : isProblem(turn.generation) ? <TurnProblem problem={turn.generation} /> : null}
    </article>
  );
}

/** A problem the generation met; without a model, what the offline planner can do instead. */
function TurnProblem({ problem }: { problem: Problem }) {
  return (
    <>
      <ProblemView error={new ApiError(problem)} />
      {problem.code === 'model_required' ? (
        <p class="hint-box small">
          No model provider is configured, so only what the offline planner knows is planned: a list (filtered, ordered, paged), one row by its key, a search, counts
          and sums, and “manage &lt;table&gt;” over your schema, e.g. “list projects with their team” or “manage teams”. An admin can configure a model with{' '}
          <code>SLIPWAY_AI_PROVIDER</code>, or the org's <code>AI_API_KEY</code> secret.
        </p>
      ) : null}
    </>
  );
}

/** What a turn generated: its drafts as diffs, their tests and checks, and what to do next. */
function Result({ generation }: { generation: Generation }) {
  return (
    <div class="result" data-testid="chat-result">
      {generation.notes?.length ? (
        <ul class="small notes">
          {generation.notes.map((n) => (
            <li>{n}</li>
          ))}
        </ul>
      ) : null}
      <h2>Drafts</h2>
      <p class="small muted">Already saved as drafts, tested, not deployed: open them to change them, preview them, or deploy them below.</p>
      {generation.versions.map((v) => (
        <section class="draft" aria-label={v.name}>
          <div class="draft-head">
            <strong>{v.name}</strong>
            <span class="badge info">{v.created ? `saved as draft v${v.version}` : `unchanged: draft v${v.version}`}</span>
            <span class="actions">
              <a class="button" href={href('endpoints', v.name)}>
                Open in editor
              </a>
              {can('preview') ? (
                <a class="button" href={href('endpoints', v.name, 'test')}>
                  Preview
                </a>
              ) : null}
            </span>
          </div>
          <VersionDiff name={v.name} version={v.version} />
        </section>
      ))}
      <h2>
        Tests{' '}
        <PassCount results={generation.testResults} />
      </h2>
      <TestResults results={generation.testResults} />
      <h2>Checks</h2>
      <ul class="results">
        {generation.checks.map((c) => (
          <li class={c.passed ? 'passed' : 'failed'}>
            {c.passed ? '✓' : '✗'} {c.name}
            {c.findings.length ? (
              <ul class="small">
                {c.findings.map((f) => (
                  <li>{f}</li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
      {generation.indexSuggestions?.length ? (
        <>
          <h2>Suggested indexes</h2>
          <pre>{generation.indexSuggestions.join(';\n')}</pre>
        </>
      ) : null}
      <DeployDrafts versions={generation.versions} note="from the chat" released={generation.release?.id} />
    </div>
  );
}

/**
 * A saved draft against the version before it (or all new when it is the first). Both come from the
 * server, so the two texts are in the same key order.
 */
function VersionDiff({ name, version }: { name: string; version: number }) {
  const [texts, setTexts] = useState<[string, string]>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    const one = (v: number) => get<Saved>(`/api/endpoints/${encodeURIComponent(name)}/versions/${v}`).then((s) => stringify(s.spec));
    Promise.all([version > 1 ? one(version - 1) : Promise.resolve(''), one(version)]).then(setTexts, (e) => setError(toApiError(e)));
  }, [name, version]);
  if (error) return <ProblemView error={error} />;
  if (!texts) return <p class="muted small">Loading the diff…</p>;
  return <Diff before={texts[0]} after={texts[1]} label={version > 1 ? `${name} v${version - 1} → v${version}` : `${name} v${version} (new)`} context={4} />;
}
