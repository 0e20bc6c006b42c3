// Chat with the generator: describe an endpoint, watch it being generated (a stream of server-sent
// events), see the drafts it saved as diffs against their previous versions, their tests and
// checks, then open, preview or deploy them in one place.
import { useEffect, useRef, useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { ApiError, get, readEvents, send, type Problem } from '../api';
import { DeployDrafts, TestResults } from '../drafts';
import { Diff } from '../diffview';
import { href } from '../router';
import { can } from '../session';
import { ProblemView, ago, toApiError, useLoad } from '../ui';
import type { Saved } from '../endpoint/model';
import './chat.css';

type Version = { name: string; version: number; created: boolean };
type Generation = {
  explanation: string;
  notes?: string[];
  specs: { name: string }[];
  versions: Version[];
  testResults: { name: string; passed: boolean; status: number; detail: string }[];
  checks: { name: string; passed: boolean; findings: string[] }[];
  release?: { id: number } | null;
};
type Turn = { role: 'user' | 'assistant'; content: string; generation?: Generation | Problem | null; at?: string; progress?: string[]; streaming?: boolean };
type Conversation = { id: number; title: string; updatedAt: string; messages?: Turn[] };

const isGeneration = (g: unknown): g is Generation => !!g && typeof g === 'object' && 'specs' in g;

export default function Chat({ chatId }: { chatId?: string }) {
  const list = useLoad(() => get<Conversation[]>('/api/chat'));
  const [turns, setTurns] = useState<Turn[]>([]);
  const [current, setCurrent] = useState<number | undefined>(chatId ? Number(chatId) : undefined);
  const [message, setMessage] = useState('');
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<ApiError>();
  const stop = useRef<AbortController>();
  const end = useRef<HTMLDivElement>(null);

  // opening a conversation from the list (or the address) shows its turns
  useEffect(() => {
    if (streaming) return;
    setCurrent(chatId ? Number(chatId) : undefined);
    if (!chatId) return setTurns([]);
    void get<Conversation>(`/api/chat/${chatId}`).then((c) => setTurns(c.messages ?? []), (e) => setError(toApiError(e)));
  }, [chatId]);
  useEffect(() => end.current?.scrollIntoView?.({ block: 'end' }), [turns.length, turns[turns.length - 1]?.content]);

  const update = (change: (last: Turn) => Turn) => setTurns((all) => [...all.slice(0, -1), change(all[all.length - 1])]);
  const sendMessage = async () => {
    const text = message.trim();
    if (!text || streaming) return;
    setError(undefined);
    setMessage('');
    setStreaming(true);
    setTurns((all) => [...all, { role: 'user', content: text }, { role: 'assistant', content: '', progress: [], streaming: true }]);
    const abort = new AbortController();
    stop.current = abort;
    try {
      const response = await send('POST', '/api/chat', { json: { message: text, chatId: current } }, { Accept: 'text/event-stream' }, abort.signal);
      if (!response.ok) throw new ApiError({ status: response.status, ...(await response.json().catch(() => ({}))) });
      await readEvents(response, ({ event, data }) => {
        const body = JSON.parse(data);
        if (event === 'chat') {
          setCurrent(body.chatId);
          history.replaceState(null, '', href('chat', body.chatId));
        } else if (event === 'progress') update((t) => ({ ...t, progress: [...(t.progress ?? []), `${body.stage}: ${body.detail}`] }));
        else if (event === 'text') update((t) => ({ ...t, content: t.content ? `${t.content}\n\n${body.text}` : body.text }));
        else if (event === 'result') update((t) => ({ ...t, generation: body }));
        else if (event === 'error') update((t) => ({ ...t, generation: body }));
      });
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(toApiError(e));
    } finally {
      update((t) => ({ ...t, streaming: false }));
      setStreaming(false);
      list.reload();
    }
  };

  return (
    <section class="chat-page">
      <aside class="chat-list" aria-label="Conversations">
        <a class="button primary" href={href('chat')} onClick={() => setTurns([])}>
          New conversation
        </a>
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
        <div class="turns" aria-live="polite">
          {turns.length === 0 ? <p class="muted">Describe an endpoint: “projects filtered by status, newest first”. Then refine it: “and add pagination”.</p> : null}
          {turns.map((t) => (
            <article class={`turn ${t.role}`} aria-label={t.role === 'user' ? 'You' : 'Slipway'}>
              {t.content ? <p class="words">{t.content}</p> : null}
              {t.progress?.length ? (
                <ol class="progress" aria-label="Progress">
                  {t.progress.map((p) => (
                    <li>{p}</li>
                  ))}
                </ol>
              ) : null}
              {t.streaming ? <p class="muted small" role="status">Generating…</p> : null}
              {isGeneration(t.generation) ? <Result generation={t.generation} /> : t.generation && 'status' in t.generation ? <ProblemView error={new ApiError(t.generation as Problem)} /> : null}
            </article>
          ))}
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
            placeholder="Describe the endpoint you want (Ctrl+Enter sends)"
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
            <button type="button" onClick={() => stop.current?.abort()}>
              Stop
            </button>
          ) : (
            <button class="primary" type="submit" disabled={!message.trim()}>
              Send
            </button>
          )}
        </form>
      </div>
    </section>
  );
}

/** What a turn generated: its drafts as diffs, their tests and checks, and what to do next. */
function Result({ generation }: { generation: Generation }) {
  const passed = generation.testResults.filter((r) => r.passed).length;
  return (
    <div class="result" data-testid="chat-result">
      {generation.notes?.length ? <ul class="small">{generation.notes.map((n) => <li>{n}</li>)}</ul> : null}
      <h3>Drafts</h3>
      {generation.versions.map((v) => (
        <div class="draft">
          <p>
            <strong>{v.name}</strong> saved as draft v{v.version}
            {v.created ? null : <span class="muted small"> (unchanged)</span>}{' '}
            <a href={href('endpoints', v.name)}>Open in editor</a> · <a href={href('endpoints', v.name, 'test')}>Preview</a>
          </p>
          <VersionDiff name={v.name} version={v.version} />
        </div>
      ))}
      <h3>
        Tests <span class={`badge ${passed === generation.testResults.length ? 'good' : 'bad'}`}>{passed} of {generation.testResults.length} passed</span>
      </h3>
      <TestResults results={generation.testResults} />
      <h3>Checks</h3>
      <TestResults results={generation.checks.map((c) => ({ name: c.name, passed: c.passed, detail: c.findings.join('; ') }))} />
      <DeployDrafts versions={generation.versions} note="from the chat" released={generation.release?.id} />
    </div>
  );
}

/** A saved draft against the version before it (or as wholly new). */
function VersionDiff({ name, version }: { name: string; version: number }) {
  const [texts, setTexts] = useState<[string, string]>();
  useEffect(() => {
    const one = (v: number) => get<Saved>(`/api/endpoints/${encodeURIComponent(name)}/versions/${v}`).then((s) => stringify(s.spec));
    void Promise.all([version > 1 ? one(version - 1) : Promise.resolve(''), one(version)]).then(([a, b]) => setTexts([a, b]));
  }, [name, version]);
  return texts ? <Diff before={texts[0]} after={texts[1]} label={version > 1 ? `${name} v${version - 1} → v${version}` : `${name} v${version} (new)`} /> : null;
}
