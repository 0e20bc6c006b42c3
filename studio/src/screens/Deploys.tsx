// Releases (#/deploys, #/deploys/<id>): the history with the live release marked, who made each
// (from the audit log, for the roles that may read it) and what each changed against the one
// before; one release's detail; what differs between any two (endpoints added, removed or moved to
// another version, with the spec diff of those moved); rolling back to a release after a confirm
// step that shows what it changes; and deploying every endpoint's latest version (admins).
import { Fragment, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from '../api';
import { Diff } from '../diffview';
import { versionText } from '../endpoint/versiontext';
import { href } from '../router';
import { can } from '../session';
import { Loading, Outcome, Page, ProblemView, Show, ago, toApiError, useAction, useLoad, when } from '../ui';
import './deploys.css';

type Released = { name: string; version: number; method: string; path: string };
type Release = { id: number; environment: string; note: string | null; createdAt: string; live: boolean; endpoints: Released[] };
/** One endpoint between two releases: its version in each, undefined where it is not in one. */
type Change = { name: string; before?: number; after?: number };
type AuditEvent = { at: string; actor: string; action: string; target: string };
/** Who made each release (by id), and each rollback to one. */
type History = { by: Map<number, string>; rollbacks: Map<number, AuditEvent[]> };

const PAGE = 50;

export default function Deploys({ releaseId }: { releaseId?: string; params: URLSearchParams }) {
  const [limit, setLimit] = useState(PAGE);
  const loaded = useLoad(() => Promise.all([get<Release[]>(`/api/releases?limit=${limit}`), liveRelease()]), [limit]);
  const history = useHistory(loaded.data);
  const [notice, setNotice] = useState<string>();
  const action = useAction(async (what: () => Promise<string>) => {
    setNotice(undefined);
    setNotice(await what());
    loaded.reload();
  });
  const rollback = (id: number) =>
    action.run(async () => {
      await post(`/api/releases/${id}/rollback`);
      return `Release ${id} is live again.`;
    });
  const deployAll = () =>
    action.run(async () => {
      const release = await post<Release>('/api/deploy');
      return `Every endpoint's latest version is live (release ${release.id}).`;
    });
  const chosen = releaseId && /^\d+$/.test(releaseId) ? Number(releaseId) : undefined;
  return (
    <Page title={chosen ? `Release #${chosen}` : 'Deploys'} actions={can('deploy') ? <DeployAll busy={action.busy} onConfirm={deployAll} /> : null}>
      <Outcome notice={notice} error={action.error} />
      <Show loaded={loaded}>
        {([releases, live]) => {
          const all = withLive(releases, live);
          const rollbackControl = (r: Release) => <Rollback release={r} live={live} busy={action.busy} onConfirm={() => rollback(r.id)} />;
          // keyed by the release shown, so a confirm step left open does not follow to another page
          return (
            <Fragment key={chosen ?? 'all'}>
              {chosen ? <ReleaseDetail id={chosen} live={live} history={history} rollback={rollbackControl} /> : null}
              <h2>History</h2>
              <ReleaseTable releases={releases} history={history} rollback={rollbackControl} />
              {releases.length >= limit && limit < 500 ? (
                <button type="button" class="more" onClick={() => setLimit(Math.min(limit + 100, 500))}>
                  Show older releases
                </button>
              ) : null}
              {all.length > 1 || chosen ? <CompareReleases key={`${chosen}-${live?.id}`} releases={all} live={live} chosen={chosen} /> : null}
            </Fragment>
          );
        }}
      </Show>
    </Page>
  );
}

/** The live release, or null when nothing was deployed yet. */
async function liveRelease(): Promise<Release | null> {
  try {
    return await get<Release>('/api/releases/live');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** The listed releases with the live one, when it is older than the list goes back. */
function withLive(releases: Release[], live: Release | null): Release[] {
  return live && !releases.some((r) => r.id === live.id) ? [...releases, live] : releases;
}

/** Who made each release and rolled back to it, from the audit log; empty for roles that may not read it. */
function useHistory(loadedOnce: unknown): History {
  const [history, setHistory] = useState<History>({ by: new Map(), rollbacks: new Map() });
  useEffect(() => {
    if (!loadedOnce || !can('audit')) return;
    const read = (action: string) => get<AuditEvent[]>(`/api/audit?action=${action}&outcome=success&limit=500`);
    Promise.all([read('release.deploy'), read('release.rollback')]).then(
      ([deploys, rollbacks]) => {
        const by = new Map<number, string>();
        for (const e of deploys) by.set(releaseOf(e), actorName(e.actor));
        const back = new Map<number, AuditEvent[]>();
        for (const e of rollbacks) back.set(releaseOf(e), [...(back.get(releaseOf(e)) ?? []), e]);
        setHistory({ by, rollbacks: back });
      },
      () => undefined, // who did it is a nicety: the history stands without it
    );
  }, [loadedOnce]);
  return history;
}

function releaseOf(e: AuditEvent): number {
  return Number(e.target.replace(/^release:/, ''));
}

/** "user:3 (ada@example.com)" → "ada@example.com"; a key stays "key:4 (ci)". */
function actorName(actor: string): string {
  const m = /^user:\d+ \((.*)\)$/.exec(actor);
  return m ? m[1] : actor;
}

/** Each endpoint whose version differs between two releases, by name. */
function changes(from: Release | undefined, to: Release): Change[] {
  const before = new Map((from?.endpoints ?? []).map((e) => [e.name, e.version]));
  const after = new Map(to.endpoints.map((e) => [e.name, e.version]));
  return [...new Set([...before.keys(), ...after.keys()])]
    .sort()
    .filter((name) => before.get(name) !== after.get(name))
    .map((name) => ({ name, before: before.get(name), after: after.get(name) }));
}

function ChangeBadge({ change }: { change: Change }) {
  if (change.before === undefined) return <span class="badge good">added v{change.after}</span>;
  if (change.after === undefined) return <span class="badge bad">removed (was v{change.before})</span>;
  return (
    <span class="badge info">
      v{change.before} → v{change.after}
    </span>
  );
}

/** A short account of what a release changed: at most four endpoints named, then how many more. */
function Summary({ release, previous }: { release: Release; previous?: Release }) {
  if (!previous) return <span class="muted">{release.endpoints.length} endpoint(s)</span>;
  const all = changes(previous, release);
  if (!all.length) return <span class="muted">no change ({release.endpoints.length} endpoints)</span>;
  return (
    <ul class="changes">
      {all.slice(0, 4).map((c) => (
        <li>
          {c.name} <ChangeBadge change={c} />
        </li>
      ))}
      {all.length > 4 ? <li class="muted">and {all.length - 4} more</li> : null}
    </ul>
  );
}

function ReleaseTable({ releases, history, rollback }: { releases: Release[]; history: History; rollback: (r: Release) => JSX.Element }) {
  if (!releases.length) return <p class="empty">Nothing deployed yet.</p>;
  return (
    <div class="table-wrap">
      <table class="list releases" aria-label="Releases">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">When</th>
            <th scope="col">By</th>
            <th scope="col">Against the release before</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {releases.map((r, i) => (
            <tr key={r.id} data-release={r.id} class={r.live ? 'live' : undefined}>
              <td>
                <a href={href('deploys', r.id)}>#{r.id}</a>
                {r.live ? <span class="badge good">live</span> : null}
                {r.note ? <div class="muted small note">{r.note}</div> : null}
              </td>
              <td title={when(r.createdAt)}>{ago(r.createdAt)}</td>
              <td class="small">{history.by.get(r.id) ?? <span class="muted">—</span>}</td>
              <td class="small">
                <Summary release={r} previous={releases[i + 1]} />
              </td>
              <td>{rollback(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The rollback button of a release that is not live; a confirm step saying what it would change. */
function Rollback({ release, live, busy, onConfirm }: { release: Release; live: Release | null; busy: boolean; onConfirm: () => void }) {
  const [confirming, setConfirming] = useState(false);
  if (!can('deploy') || release.live) return null;
  if (!confirming)
    return (
      <button type="button" onClick={() => setConfirming(true)}>
        Roll back to #{release.id}
      </button>
    );
  const moves = changes(live ?? undefined, release);
  return (
    <div class="confirm" role="group" aria-label={`Confirm rollback to #${release.id}`}>
      <p class="small">
        Make release #{release.id} live again{moves.length ? ':' : ' (it serves the same versions as the live release).'}
      </p>
      {moves.length ? (
        <ul class="changes small">
          {moves.map((c) => (
            <li>
              {c.name} <ChangeBadge change={c} />
            </li>
          ))}
        </ul>
      ) : null}
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          Confirm rollback to #{release.id}
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function DeployAll({ busy, onConfirm }: { busy: boolean; onConfirm: () => void }) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button type="button" onClick={() => setConfirming(true)}>
        Deploy every latest version
      </button>
    );
  return (
    <span class="actions" role="group" aria-label="Confirm deploying every latest version">
      <span class="small">Every endpoint's latest saved version goes live.</span>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          setConfirming(false);
          onConfirm();
        }}
      >
        Deploy them all
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  );
}

function ReleaseDetail({ id, live, history, rollback }: { id: number; live: Release | null; history: History; rollback: (r: Release) => JSX.Element }) {
  const loaded = useLoad(() => get<Release>(`/api/releases/${id}`), [id, live?.id]);
  return (
    <section class="card release-detail" aria-label={`Release ${id}`}>
      <p>
        <a href={href('deploys')}>All releases</a>
      </p>
      <Show loaded={loaded}>
        {(r) => (
          <>
            <dl class="facts">
              <dt>Made</dt>
              <dd title={when(r.createdAt)}>
                {ago(r.createdAt)}
                {history.by.get(r.id) ? ` by ${history.by.get(r.id)}` : ''}
              </dd>
              <dt>State</dt>
              <dd>{r.live ? <span class="badge good">live</span> : <span class="muted">not live</span>}</dd>
              {r.note ? (
                <>
                  <dt>Note</dt>
                  <dd>{r.note}</dd>
                </>
              ) : null}
              {history.rollbacks.get(r.id)?.length ? (
                <>
                  <dt>Rolled back to</dt>
                  <dd>
                    {history.rollbacks
                      .get(r.id)!
                      .map((e) => `${ago(e.at)} by ${actorName(e.actor)}`)
                      .join('; ')}
                  </dd>
                </>
              ) : null}
            </dl>
            {rollback(r)}
            <h3>Endpoints ({r.endpoints.length})</h3>
            <div class="table-wrap">
              <table class="list" aria-label={`Endpoints of release ${r.id}`}>
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Route</th>
                    <th scope="col">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {r.endpoints.map((e) => (
                    <tr>
                      <td>
                        <a href={href('endpoints', e.name)}>{e.name}</a>
                      </td>
                      <td>
                        <code>
                          {e.method} {e.path}
                        </code>
                      </td>
                      <td>
                        <a href={href('endpoints', e.name, 'versions')}>v{e.version}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

/** Two selects and what differs between the releases they name; by default the chosen (or the one before the live) against the live. */
function CompareReleases({ releases, live, chosen }: { releases: Release[]; live: Release | null; chosen?: number }) {
  const anchor = live ?? releases[0];
  const other = chosen && chosen !== anchor.id ? chosen : (releases.find((r) => r.id < anchor.id) ?? releases.find((r) => r.id !== anchor.id) ?? anchor).id;
  const [fromId, setFrom] = useState(other);
  const [toId, setTo] = useState(anchor.id);
  const pair = useLoad(() => Promise.all([findRelease(releases, fromId), findRelease(releases, toId)]), [fromId, toId]);
  const options = releases.some((r) => r.id === fromId) ? releases : [...releases, { id: fromId } as Release];
  const select = (title: string, value: number, set: (n: number) => void) => (
    <label class="inline">
      {title}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {options.map((r) => (
          <option value={r.id}>
            #{r.id}
            {r.live ? ' (live)' : ''}
            {r.createdAt ? ` · ${ago(r.createdAt)}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section class="compare" aria-label="Compare releases">
      <h2>Compare releases</h2>
      <div class="toolbar">
        {select('From', fromId, setFrom)}
        {select('to', toId, setTo)}
      </div>
      <Show loaded={pair}>{([from, to]) => <ReleaseChanges from={from} to={to} />}</Show>
    </section>
  );
}

/** A release from the list, or read when the list does not go back so far. */
function findRelease(releases: Release[], id: number): Promise<Release> {
  const found = releases.find((r) => r.id === id && r.endpoints);
  return found ? Promise.resolve(found) : get<Release>(`/api/releases/${id}`);
}

function ReleaseChanges({ from, to }: { from: Release; to: Release }) {
  const all = changes(from, to);
  if (!all.length) return <p class="muted">#{from.id} and #{to.id} serve the same versions.</p>;
  return (
    <ul class="release-diff" data-testid="release-diff">
      {all.map((c) => (
        <li>
          <a href={href('endpoints', c.name, 'versions')}>
            <strong>{c.name}</strong>
          </a>{' '}
          <ChangeBadge change={c} />
          {c.before !== undefined && c.after !== undefined ? (
            <details open={all.length <= 3}>
              <summary>
                Spec diff v{c.before} → v{c.after}
              </summary>
              <SpecDiff name={c.name} from={c.before} to={c.after} />
            </details>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function SpecDiff({ name, from, to }: { name: string; from: number; to: number }) {
  const [texts, setTexts] = useState<[string, string]>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    Promise.all([versionText(name, from), versionText(name, to)]).then(setTexts, (e) => setError(toApiError(e)));
  }, [name, from, to]);
  if (error) return <ProblemView error={error} />;
  return texts ? <Diff before={texts[0]} after={texts[1]} label={`${name} v${from} → v${to}`} context={3} /> : <Loading what="Reading the specs" />;
}

