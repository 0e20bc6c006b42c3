// An endpoint's versions (#/endpoints/<name>/versions): its history with the live one marked, the
// line diff between any two versions (or a version and the editor's unsaved draft), deploying a
// chosen version and pausing or resuming the endpoint (admins).
import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { Diff } from '../diffview';
import { href } from '../router';
import { can } from '../session';
import { Loading, Outcome, ProblemView, ago, useAction, useLoad, when } from '../ui';
import { readSpec, toText, type EndpointTabProps, type Saved } from './model';
import { sameSpec } from './model';
import { versionText } from './versiontext';
import './console.css';

type Pause = { endpoint: string; pausedAt: string; reason: string };

/** The editor's draft in the compare selects. */
const DRAFT = 0;

export default function VersionsTab({ name, draft, saved, reload }: EndpointTabProps) {
  const pauses = useLoad(() => get<Pause[]>('/api/pauses'), [name]);
  const [notice, setNotice] = useState<string>();
  const action = useAction(async (what: () => Promise<string>) => {
    setNotice(undefined);
    const done = await what();
    setNotice(done);
    reload();
    pauses.reload();
  });
  if (!name || !saved) return <p class="muted">Save the endpoint first: it has no versions yet.</p>;

  const paused = pauses.data?.find((p) => p.endpoint === name);
  const deploy = (version: number) =>
    action.run(async () => {
      const release = await post<{ id: number }>('/api/deploy', { endpoints: [{ name, version }], note: `Studio: ${name} v${version}` });
      return `Version ${version} is live (release ${release.id}).`;
    });
  const pause = (on: boolean) =>
    action.run(async () => {
      await post(`/api/endpoints/${encodeURIComponent(name)}/${on ? 'pause' : 'resume'}`);
      return on ? 'Paused: its calls answer 503 until it is resumed.' : 'Resumed: it answers its calls again.';
    });
  const draftText = sameSpec(draft, saved.spec) ? undefined : draft.text;

  return (
    <div class="versions">
      <Outcome notice={notice} error={action.error} />
      <div class="versions-tools">
        {saved.liveVersion ? <span class="badge good">live v{saved.liveVersion}</span> : <span class="badge info">not live</span>}
        {paused ? (
          <span class="badge warn" title={when(paused.pausedAt)}>
            paused {ago(paused.pausedAt)} ({paused.reason})
          </span>
        ) : null}
        {can('deploy') && (paused || saved.liveVersion) ? (
          <button type="button" onClick={() => pause(!paused)} disabled={action.busy || pauses.loading}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        ) : null}
      </div>
      <div class="table-wrap">
        <table class="list" aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Hash</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {saved.versions.map((v) => (
              <tr data-version={v.version}>
                <td>
                  v{v.version}
                  {v.version === saved.liveVersion ? <span class="badge good">live</span> : null}
                  {v.version === saved.version ? <span class="badge info">latest</span> : null}
                </td>
                <td title={when(v.createdAt)}>{ago(v.createdAt)}</td>
                <td>
                  <code>{v.hash.slice(0, 12)}</code>
                </td>
                <td class="actions">
                  <a href={`${href('endpoints', name, 'test')}?version=${v.version}`}>Test v{v.version}</a>
                  {can('deploy') && v.version !== saved.liveVersion ? (
                    <button type="button" onClick={() => deploy(v.version)} disabled={action.busy}>
                      Deploy v{v.version}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Compare name={name} saved={saved} draftText={draftText} />
    </div>
  );
}

/** Two selects and the diff of what they name; by default the live version against the latest. */
function Compare({ name, saved, draftText }: { name: string; saved: Saved; draftText?: string }) {
  const versions = saved.versions.map((v) => v.version);
  const live = saved.liveVersion;
  // until one is chosen, each side follows the endpoint as it loads again (a save, a deploy); a
  // draft chosen and then saved is no longer offered, and its side goes back to the default
  const [fromChoice, setFrom] = useState<number>();
  const [toChoice, setTo] = useState<number>();
  const pick = (choice: number | undefined, otherwise: number) =>
    choice === undefined || (choice === DRAFT && draftText === undefined) ? otherwise : choice;
  const from = pick(fromChoice, live && live !== saved.version ? live : (versions[1] ?? saved.version));
  const to = pick(toChoice, saved.version);
  const texts = useVersionTexts(name, [from, to].filter((v) => v !== DRAFT));
  const textOf = (v: number) => (v === DRAFT ? draftText && toYaml(draftText) : texts.data?.[v]);
  const label = (v: number) => (v === DRAFT ? 'draft' : `v${v}`);
  const select = (title: string, value: number, set: (v: number) => void) => (
    <label class="inline">
      {title}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {versions.map((v) => (
          <option value={v}>
            v{v}
            {v === live ? ' (live)' : ''}
            {v === saved.version ? ' (latest)' : ''}
          </option>
        ))}
        {draftText !== undefined ? <option value={DRAFT}>the editor’s unsaved draft</option> : null}
      </select>
    </label>
  );
  const before = textOf(from);
  const after = textOf(to);
  const unreadable = (from === DRAFT || to === DRAFT) && textOf(DRAFT) === undefined;
  return (
    <section aria-label="Compare versions">
      <h2>Compare</h2>
      <div class="versions-tools">
        {select('From', from, setFrom)}
        {select('to', to, setTo)}
      </div>
      {texts.error ? (
        <ProblemView error={texts.error} />
      ) : unreadable ? (
        <p class="muted">The draft is not readable YAML or JSON.</p>
      ) : before !== undefined && after !== undefined ? (
        <Diff before={before} after={after} label={`${label(from)} → ${label(to)}`} context={4} />
      ) : (
        <Loading what="Reading the versions" />
      )}
    </section>
  );
}

/** The spec of the draft as the versions show theirs (YAML), or undefined when it cannot be read. */
function toYaml(text: string): string | undefined {
  const { spec } = readSpec({ text, format: 'yaml' });
  return spec ? toText(spec, 'yaml') : undefined;
}

function useVersionTexts(name: string, versions: number[]) {
  return useLoad(async () => {
    const entries = await Promise.all(versions.map(async (v) => [v, await versionText(name, v)] as const));
    return Object.fromEntries(entries) as Record<number, string>;
  }, [name, versions.join(',')]);
}
