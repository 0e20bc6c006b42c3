// Releases: the history with the live one marked, what changed between any two (endpoints added,
// removed, moved to another version, and their specs' diff), rollback in one click.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { Diff } from '../diffview';
import { href } from '../router';
import { can } from '../session';
import { Page, ProblemView, Show, ago, useAction, useLoad, when } from '../ui';
import { toText, type Saved } from '../endpoint/model';

type Release = { id: number; note: string | null; createdAt: string; live: boolean; endpoints: { name: string; version: number; method: string; path: string }[] };

export default function Deploys({ releaseId }: { releaseId?: string; params: URLSearchParams }) {
  const loaded = useLoad(() => get<Release[]>('/api/releases'));
  const [notice, setNotice] = useState<string>();
  const [confirming, setConfirming] = useState<number>();
  const action = useAction(async (what: () => Promise<string>) => {
    setNotice(await what());
    setConfirming(undefined);
    loaded.reload();
  });
  const rollback = (id: number) => action.run(async () => {
    await post(`/api/releases/${id}/rollback`);
    return `Release ${id} is live again.`;
  });
  const deployAll = () => action.run(async () => {
    const release = await post<Release>('/api/deploy');
    return `Every endpoint's latest version is live (release ${release.id}).`;
  });
  return (
    <Page
      title="Deploys"
      actions={can('deploy') ? <button type="button" onClick={deployAll} disabled={action.busy}>Deploy every latest version</button> : null}
    >
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(releases) => (
          <>
            <div class="table-wrap">
              <table class="list" aria-label="Releases">
                <thead>
                  <tr>
                    <th scope="col">Release</th>
                    <th scope="col">When</th>
                    <th scope="col">Endpoints</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {releases.map((r) => (
                    <tr data-release={r.id}>
                      <td>
                        <a href={href('deploys', r.id)}>#{r.id}</a>
                        {r.live ? <span class="badge good">live</span> : null}
                        {r.note ? <div class="muted small">{r.note}</div> : null}
                      </td>
                      <td title={when(r.createdAt)}>{ago(r.createdAt)}</td>
                      <td class="small">{r.endpoints.map((e) => `${e.name} v${e.version}`).join(', ') || '—'}</td>
                      <td>
                        {can('deploy') && !r.live ? (
                          confirming === r.id ? (
                            <span class="actions">
                              <button type="button" class="danger" onClick={() => rollback(r.id)} disabled={action.busy}>Confirm rollback to #{r.id}</button>
                              <button type="button" onClick={() => setConfirming(undefined)}>Cancel</button>
                            </span>
                          ) : (
                            <button type="button" onClick={() => setConfirming(r.id)}>Roll back to #{r.id}</button>
                          )
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {releases.length === 0 ? <p class="empty">Nothing deployed yet.</p> : null}
            </div>
            {releases.length > 1 ? <CompareReleases releases={releases} chosen={releaseId ? Number(releaseId) : undefined} /> : null}
          </>
        )}
      </Show>
    </Page>
  );
}

function CompareReleases({ releases, chosen }: { releases: Release[]; chosen?: number }) {
  const live = releases.find((r) => r.live) ?? releases[0];
  const [fromId, setFrom] = useState(chosen && chosen !== live.id ? chosen : (releases.find((r) => r.id !== live.id)?.id ?? live.id));
  const [toId, setTo] = useState(live.id);
  const from = releases.find((r) => r.id === fromId)!;
  const to = releases.find((r) => r.id === toId)!;
  const names = [...new Set([...from.endpoints, ...to.endpoints].map((e) => e.name))].sort();
  const rows = names.map((name) => ({ name, before: from.endpoints.find((e) => e.name === name)?.version, after: to.endpoints.find((e) => e.name === name)?.version }));
  const select = (label: string, value: number, set: (n: number) => void) => (
    <label class="inline">
      {label}{' '}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {releases.map((r) => <option value={r.id}>#{r.id}{r.live ? ' (live)' : ''}</option>)}
      </select>
    </label>
  );
  return (
    <section aria-label="Compare releases">
      <h2>Compare releases</h2>
      <div class="toolbar">
        {select('From', fromId, setFrom)}
        {select('to', toId, setTo)}
      </div>
      <ul class="release-diff">
        {rows.map((r) =>
          r.before === r.after ? null : (
            <li>
              <strong>{r.name}</strong>{' '}
              {r.before === undefined ? <span class="badge good">added v{r.after}</span> : r.after === undefined ? <span class="badge bad">removed (was v{r.before})</span> : <span class="badge info">v{r.before} → v{r.after}</span>}
              {r.before !== undefined && r.after !== undefined ? <SpecDiff name={r.name} from={r.before} to={r.after} /> : null}
            </li>
          ),
        )}
      </ul>
      {rows.every((r) => r.before === r.after) ? <p class="muted">The two releases serve the same versions.</p> : null}
    </section>
  );
}

function SpecDiff({ name, from, to }: { name: string; from: number; to: number }) {
  const [texts, setTexts] = useState<[string, string]>();
  useEffect(() => {
    const one = (v: number) => get<Saved>(`/api/endpoints/${encodeURIComponent(name)}/versions/${v}`).then((s) => toText(s.spec, 'yaml'));
    void Promise.all([one(from), one(to)]).then(([a, b]) => setTexts([a, b]));
  }, [name, from, to]);
  return texts ? <Diff before={texts[0]} after={texts[1]} label={`${name} v${from} → v${to}`} /> : <span class="muted small"> loading…</span>;
}
