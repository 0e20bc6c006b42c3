// Background work (#/jobs, #/jobs/schedules, #/jobs/webhooks): the org's jobs with how many wait,
// run and are dead, filtered by handler and state, each retried (finished) or cancelled (queued);
// the schedules with their next runs, paused and resumed; the outgoing webhooks' deliveries with
// every attempt, sent again. Acting needs the `jobs` ability (members and up).
import { useState } from 'preact/hooks';
import { get, post, query } from '../api';
import { href, navigate } from '../router';
import { can } from '../session';
import { Field, Outcome, Page, Show, Tabs, ago, pretty, useAction, useLoad, when } from '../ui';
import './cells.css';

type Job = {
  id: number;
  handler: string;
  status: string;
  payload: unknown;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  result: unknown;
  runAt: string;
  createdAt: string;
  finishedAt: string | null;
};
type JobList = { counts: Record<string, number>; jobs: Job[]; next: number | null };
type Schedule = {
  name: string;
  cron: string;
  timezone: string;
  missed: string;
  overlap: string;
  paused: boolean;
  nextRuns: string[];
  lastTickAt: string | null;
  lastJobId: number | null;
  runs: number;
  skipped: number;
};
type Attempt = { attempt: number; at: string; url: string; status: number | null; durationMs: number; error: string | null; response: string | null };
type Delivery = {
  id: number;
  status: string;
  url: string;
  event: string;
  data: unknown;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  attemptLog: Attempt[];
};

const STATES = ['queued', 'running', 'succeeded', 'dead', 'cancelled'];
/** The states a job or delivery may be retried or sent again from. */
const FINISHED = ['succeeded', 'dead', 'cancelled'];
type Section = 'jobs' | 'schedules' | 'webhooks';

export default function Jobs({ section, params }: { section: string; params: URLSearchParams }) {
  const current: Section = section === 'schedules' || section === 'webhooks' ? section : 'jobs';
  return (
    <Page title="Jobs">
      <Tabs<Section>
        label="Background work"
        tabs={[
          ['jobs', 'Jobs'],
          ['schedules', 'Schedules'],
          ['webhooks', 'Webhooks out'],
        ]}
        current={current}
        onChange={(s) => navigate(s === 'jobs' ? href('jobs') : href('jobs', s))}
      />
      {current === 'jobs' ? <JobList params={params} /> : current === 'schedules' ? <Schedules /> : <Deliveries />}
    </Page>
  );
}

function stateBadge(status: string) {
  const tone = status === 'succeeded' ? 'good' : status === 'dead' ? 'bad' : status === 'cancelled' ? 'warn' : 'info';
  return <span class={`badge ${tone}`}>{status}</span>;
}

function JobList({ params }: { params: URLSearchParams }) {
  const handler = params.get('handler') ?? '';
  const status = params.get('status') ?? '';
  const loaded = useLoad(() => get<JobList>(`/api/jobs${query({ handler, status, limit: 100 })}`), [handler, status]);
  const [notice, setNotice] = useState<string>();
  const action = useAction(async (path: string, done: string) => {
    setNotice(undefined);
    await post(path);
    setNotice(done);
    loaded.reload();
  });
  const [draft, setDraft] = useState(handler);
  return (
    <>
      <form
        class="card filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(href('jobs') + query({ handler: draft, status }));
        }}
      >
        <div class="row">
          <Field label="Handler">{(id) => <input id={id} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />}</Field>
          <Field label="State">
            {(id) => (
              <select id={id} value={status} onChange={(e) => navigate(href('jobs') + query({ handler: draft, status: e.currentTarget.value }))}>
                <option value="">any</option>
                {STATES.map((s) => (
                  <option value={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit">Filter</button>
          <button type="button" class="link" onClick={loaded.reload}>
            Refresh
          </button>
        </div>
      </form>
      <Outcome notice={notice} error={action.error} />
      <Show loaded={loaded}>
        {(list) => (
          <>
            <p class="counts" role="status">
              {Object.entries(list.counts).map(([state, n]) => (
                <span class="count">
                  {n} {state}{' '}
                </span>
              ))}
            </p>
            {list.jobs.length === 0 ? (
              <p class="empty">No jobs{handler || status ? ' match' : ' yet'}.</p>
            ) : (
              <div class="table-wrap">
                <table class="list" aria-label="Jobs">
                  <thead>
                    <tr>
                      <th scope="col">Job</th>
                      <th scope="col">Handler</th>
                      <th scope="col">State</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Last answer</th>
                      <th scope="col">Created</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.jobs.map((j) => (
                      <tr key={j.id} data-job={j.id}>
                        <td data-label="Job">#{j.id}</td>
                        <td data-label="Handler">
                          <a href={href('jobs') + query({ handler: j.handler })}>{j.handler}</a>
                        </td>
                        <td data-label="State">{stateBadge(j.status)}</td>
                        <td data-label="Attempts">{j.attempts}</td>
                        <td data-label="Last answer" class="small">
                          {j.lastStatus ?? '—'} {j.lastError ? <span class="muted">{j.lastError}</span> : null}
                        </td>
                        <td data-label="Created" title={when(j.createdAt)}>
                          {ago(j.createdAt)}
                        </td>
                        <td>
                          {can('jobs') && FINISHED.includes(j.status) ? (
                            <button type="button" disabled={action.busy} onClick={() => void action.run(`/api/jobs/${j.id}/retry`, `Job ${j.id} is queued again.`)}>
                              Retry
                            </button>
                          ) : null}
                          {can('jobs') && j.status === 'queued' ? (
                            <button type="button" disabled={action.busy} onClick={() => void action.run(`/api/jobs/${j.id}/cancel`, `Job ${j.id} is cancelled.`)}>
                              Cancel
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Show>
    </>
  );
}

function Schedules() {
  const loaded = useLoad(() => get<{ schedules: Schedule[] }>('/api/schedules'));
  const [notice, setNotice] = useState<string>();
  const action = useAction(async (name: string, pause: boolean) => {
    setNotice(undefined);
    await post(`/api/schedules/${encodeURIComponent(name)}/${pause ? 'pause' : 'resume'}`);
    setNotice(`${name} is ${pause ? 'paused' : 'running again'}.`);
    loaded.reload();
  });
  return (
    <>
      <Outcome notice={notice} error={action.error} />
      <Show loaded={loaded}>
        {({ schedules }) =>
          schedules.length === 0 ? (
            <p class="empty">No live schedules: deploy a spec with trigger: {'{schedule: {cron: "0 9 * * 1-5"}}'}.</p>
          ) : (
            <div class="table-wrap">
              <table class="list" aria-label="Schedules">
                <thead>
                  <tr>
                    <th scope="col">Schedule</th>
                    <th scope="col">When</th>
                    <th scope="col">Next runs</th>
                    <th scope="col">Last run</th>
                    <th scope="col">Runs · skipped</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {schedules.map((s) => (
                    <tr key={s.name} data-schedule={s.name}>
                      <td data-label="Schedule">
                        <a href={href('jobs') + query({ handler: s.name })}>{s.name}</a>
                        {s.paused ? <span class="badge warn">paused</span> : null}
                      </td>
                      <td data-label="When" class="small">
                        <code>{s.cron}</code> {s.timezone}
                        <div class="muted">
                          missed: {s.missed}, overlap: {s.overlap}
                        </div>
                      </td>
                      <td data-label="Next runs" class="small">
                        {s.nextRuns.length ? s.nextRuns.slice(0, 3).map((at) => <div title={at}>{when(at)}</div>) : <span class="muted">—</span>}
                      </td>
                      <td data-label="Last run" class="small">
                        {s.lastTickAt ? <span title={when(s.lastTickAt)}>{ago(s.lastTickAt)}</span> : <span class="muted">never</span>}
                      </td>
                      <td data-label="Runs · skipped">
                        {s.runs} · {s.skipped}
                      </td>
                      <td>
                        {can('jobs') ? (
                          <button type="button" disabled={action.busy} onClick={() => void action.run(s.name, !s.paused)}>
                            {s.paused ? 'Resume' : 'Pause'}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </>
  );
}

function Deliveries() {
  const loaded = useLoad(() => get<{ deliveries: Delivery[] }>('/api/webhooks/deliveries?limit=100'));
  const [open, setOpen] = useState<number>();
  return (
    <Show loaded={loaded}>
      {({ deliveries }) =>
        deliveries.length === 0 ? (
          <p class="empty">No webhooks sent yet: a webhook step sends one after its request commits.</p>
        ) : (
          <div class="table-wrap">
            <table class="list" aria-label="Webhook deliveries">
              <thead>
                <tr>
                  <th scope="col">Delivery</th>
                  <th scope="col">Event</th>
                  <th scope="col">To</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <>
                    <tr key={d.id} data-delivery={d.id}>
                      <td data-label="Delivery">
                        <button type="button" class="link" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? undefined : d.id)}>
                          #{d.id}
                        </button>
                      </td>
                      <td data-label="Event">{d.event}</td>
                      <td data-label="To" class="small">
                        {d.url}
                      </td>
                      <td data-label="State">{stateBadge(d.status)}</td>
                      <td data-label="Attempts">{d.attempts}</td>
                      <td data-label="Last answer" class="small">
                        {d.lastStatus ?? '—'} {d.lastError ? <span class="muted">{d.lastError}</span> : null}
                      </td>
                    </tr>
                    {open === d.id ? (
                      <tr key={`${d.id}-attempts`}>
                        <td colSpan={6}>
                          <DeliveryDetail id={d.id} onResent={loaded.reload} />
                        </td>
                      </tr>
                    ) : null}
                  </>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </Show>
  );
}

/** One delivery's message and every attempt, and sending it again. */
function DeliveryDetail({ id, onResent }: { id: number; onResent: () => void }) {
  const loaded = useLoad(() => get<Delivery>(`/api/webhooks/deliveries/${id}`), [id]);
  const [notice, setNotice] = useState<string>();
  const resend = useAction(async () => {
    await post(`/api/webhooks/deliveries/${id}/resend`);
    setNotice(`Delivery ${id} is queued to be sent again.`);
    loaded.reload();
    onResent();
  });
  return (
    <Show loaded={loaded}>
      {(d) => (
        <div class="delivery">
          <Outcome notice={notice} error={resend.error} />
          <pre class="small">{pretty(d.data)}</pre>
          <ol aria-label={`Attempts of delivery ${id}`}>
            {d.attemptLog.map((a) => (
              <li>
                <span title={when(a.at)}>{ago(a.at)}</span> · {a.status ?? 'no answer'} · {a.durationMs} ms{a.error ? <span class="muted"> · {a.error}</span> : null}
              </li>
            ))}
          </ol>
          {can('jobs') && FINISHED.includes(d.status) ? (
            <button type="button" disabled={resend.busy} onClick={() => void resend.run()}>
              Send again
            </button>
          ) : null}
        </div>
      )}
    </Show>
  );
}
