// The org's endpoints: the live version, drafts ahead of it, paused ones and the last day's calls.
import { useState } from 'preact/hooks';
import { get } from '../api';
import { href } from '../router';
import { can } from '../session';
import { Page, Show, useLoad } from '../ui';

type Listed = { name: string; method: string; path: string; latestVersion: number; liveVersion: number | null };
type Pause = { endpoint: string; reason: string; at?: string };
type Figures = { calls: number; errorRate: number; p95Ms: number };
type ByEndpoint = { endpoint: string; version: number; figures: Figures };

export type EndpointRow = Listed & { paused?: Pause; calls: number; errors: number; p95Ms?: number };

type Activity = { pauses: Pause[]; analytics: ByEndpoint[] };

/** The pauses and the last day's calls, which the list shows once they come (after the list itself). */
async function loadActivity(): Promise<Activity> {
  const [pauses, analytics] = await Promise.all([
    get<Pause[] | { pauses: Pause[] }>('/api/pauses').catch(() => []),
    get<{ endpoints: ByEndpoint[] }>('/api/analytics?bucket=1d').catch(() => ({ endpoints: [] as ByEndpoint[] })),
  ]);
  return { pauses: Array.isArray(pauses) ? pauses : (pauses.pauses ?? []), analytics: analytics.endpoints ?? [] };
}

function withActivity(endpoints: Listed[], activity?: Activity): EndpointRow[] {
  return endpoints.map((e) => {
    const mine = (activity?.analytics ?? []).filter((a) => a.endpoint === e.name);
    return {
      ...e,
      paused: activity?.pauses.find((p) => p.endpoint === e.name),
      calls: mine.reduce((n, a) => n + a.figures.calls, 0),
      errors: mine.reduce((n, a) => n + Math.round(a.figures.calls * a.figures.errorRate), 0),
      p95Ms: mine.length ? Math.max(...mine.map((a) => a.figures.p95Ms)) : undefined,
    };
  });
}

export function Endpoints() {
  const loaded = useLoad(() => get<Listed[]>('/api/endpoints'));
  const activity = useLoad(loadActivity);
  const [search, setSearch] = useState('');
  return (
    <Page
      title="Endpoints"
      actions={
        <>
          {can('deploy') ? (
            <a class="button" href={href('templates')}>
              From a template
            </a>
          ) : null}
          {can('edit') ? (
            <a class="button primary" href={href('endpoints', 'new')}>
              New endpoint
            </a>
          ) : null}
        </>
      }
    >
      <div class="toolbar">
        <label class="sr-only" for="endpoint-search">
          Search endpoints
        </label>
        <input id="endpoint-search" type="search" placeholder="Search by name or path" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </div>
      <Show loaded={loaded}>
        {(endpoints) => {
          const rows = withActivity(endpoints, activity.data);
          const q = search.trim().toLowerCase();
          const shown = rows.filter((r) => !q || r.name.includes(q) || r.path.toLowerCase().includes(q));
          if (!rows.length) return <p class="empty">No endpoints yet. Make one from a template, in the chat, or write its spec.</p>;
          return (
            <div class="table-wrap">
              <table class="list" aria-label="Endpoints">
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Route</th>
                    <th scope="col">Live</th>
                    <th scope="col">Latest</th>
                    <th scope="col">Calls (24 h)</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((r) => (
                    <tr data-endpoint={r.name}>
                      <td>
                        <a href={href('endpoints', r.name)}>{r.name}</a>
                        {r.paused ? <span class="badge warn">paused</span> : null}
                      </td>
                      <td>
                        <code>
                          {r.method} {r.path}
                        </code>
                      </td>
                      <td>{r.liveVersion ? `v${r.liveVersion}` : <span class="muted">not live</span>}</td>
                      <td>
                        v{r.latestVersion}
                        {r.liveVersion !== null && r.latestVersion > r.liveVersion ? (
                          <span class="badge info">{r.latestVersion - r.liveVersion} draft ahead</span>
                        ) : null}
                        {r.liveVersion === null ? <span class="badge info">draft</span> : null}
                      </td>
                      <td>
                        {r.calls}
                        {r.errors ? <span class="badge bad">{r.errors} errors</span> : null}
                        {r.p95Ms !== undefined && r.calls ? <span class="muted small"> p95 {Math.round(r.p95Ms)} ms</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {shown.length === 0 ? <p class="empty">No endpoint matches “{search}”.</p> : null}
            </div>
          );
        }}
      </Show>
    </Page>
  );
}
