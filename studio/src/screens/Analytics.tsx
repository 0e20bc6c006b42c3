// Calls, errors and latency over time from the rollups (GET /api/analytics): a range and an
// endpoint to look at, the totals, three charts over the range's buckets, and tables per endpoint
// version, of errors by status and code, of the slowest steps and of the top callers.
import { get, query } from '../api';
import { Chart } from '../charts';
import { href, navigate } from '../router';
import { Field, Page, Show, useLoad } from '../ui';
import './analytics.css';
import './cells.css';

type Figures = {
  calls: number;
  byStatusClass: Record<string, number>;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  averageMs: number;
  maxMs: number;
  bytesIn: number;
  bytesOut: number;
};
type Report = {
  from: string;
  to: string;
  totals: Figures;
  series: { at: string; figures: Figures }[];
  endpoints: { endpoint: string; version: number; figures: Figures }[];
  errors: { endpoint: string; version: number | null; status: number; code: string | null; calls: number }[];
  slowestSteps: { endpoint: string; version: number; step: string; calls: number; averageMs: number; maxMs: number }[];
  topCallers: { caller: string; calls: number }[];
};

/** The ranges offered, each with a bucket that gives it a readable number of points. */
const RANGES: Record<string, { label: string; hours: number; bucket: string; seconds: number }> = {
  '1h': { label: 'Last hour', hours: 1, bucket: '1m', seconds: 60 },
  '24h': { label: 'Last 24 hours', hours: 24, bucket: '1h', seconds: 3600 },
  '7d': { label: 'Last 7 days', hours: 168, bucket: '6h', seconds: 21600 },
  '30d': { label: 'Last 30 days', hours: 720, bucket: '1d', seconds: 86400 },
};

const COLOURS = { '2xx': '#166534', '3xx': '#1e3a8a', '4xx': '#b45309', '5xx': '#b91c1c', p50: '#1d4ed8', p95: '#7c3aed', errors: '#b91c1c' };

export default function Analytics({ params }: { params: URLSearchParams }) {
  const range = RANGES[params.get('range') ?? ''] ? params.get('range')! : '24h';
  const endpoint = params.get('endpoint') ?? '';
  const { hours, bucket, seconds } = RANGES[range];
  const loaded = useLoad(() => {
    const from = new Date(Date.now() - hours * 3600_000).toISOString();
    return get<Report>(`/api/analytics${query({ from, bucket, endpoint })}`);
  }, [range, endpoint]);
  const names = useLoad(() => get<{ name: string }[]>('/api/endpoints').then((list) => list.map((e) => e.name).sort()));
  const set = (change: Record<string, string>) => navigate(href('analytics') + query({ range, endpoint, ...change }));
  return (
    <Page title="Analytics" actions={<button type="button" onClick={loaded.reload} disabled={loaded.loading}>Refresh</button>}>
      <div class="toolbar">
        <Field label="Range">
          {(id) => (
            <select id={id} value={range} onChange={(e) => set({ range: e.currentTarget.value })}>
              {Object.entries(RANGES).map(([k, r]) => (
                <option value={k}>{r.label}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Endpoint">
          {(id) => (
            <select id={id} value={endpoint} onChange={(e) => set({ endpoint: e.currentTarget.value })}>
              <option value="">all endpoints</option>
              {[...new Set([...(names.data ?? []), ...(endpoint ? [endpoint] : [])])].map((n) => (
                <option value={n}>{n}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Show loaded={loaded}>{(report) => <Overview report={report} step={seconds} />}</Show>
    </Page>
  );
}

/**
 * Every bucket of the range, empty ones too, so that a chart's time axis is the range asked for
 * (the series holds only the buckets that had calls).
 */
function buckets(report: Report, step: number): { times: number[]; figures: (Figures | undefined)[] } {
  const byTime = new Map(report.series.map((p) => [Math.floor(Date.parse(p.at) / 1000), p.figures]));
  const first = Math.floor(Date.parse(report.from) / 1000 / step) * step;
  const last = Math.floor(Date.parse(report.to) / 1000 / step) * step;
  const times = new Set<number>(byTime.keys());
  for (let t = first; t <= last; t += step) times.add(t);
  const sorted = [...times].sort((x, y) => x - y);
  return { times: sorted, figures: sorted.map((t) => byTime.get(t)) };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

function Overview({ report, step }: { report: Report; step: number }) {
  const t = report.totals;
  if (!t.calls) return <p class="empty" role="status">No calls in this range.</p>;
  const { times, figures } = buckets(report, step);
  // an empty bucket had 0 calls; its rate and latency have no value
  const count = (f: (x: Figures) => number) => figures.map((x) => (x ? f(x) : 0));
  const level = (f: (x: Figures) => number) => figures.map((x) => (x?.calls ? f(x) : null));
  const classes = ['2xx', '3xx', '4xx', '5xx'].filter((c) => t.byStatusClass[c]) as (keyof typeof COLOURS)[];
  return (
    <>
      <div class="totals" data-testid="totals">
        <Total label="Calls" value={String(t.calls)} />
        <Total label="Error rate" value={percent(t.errorRate)} />
        <Total label="p50" value={ms(t.p50Ms)} />
        <Total label="p95" value={ms(t.p95Ms)} />
        <Total label="p99" value={ms(t.p99Ms)} />
      </div>
      <div class="charts">
        <Chart
          title="Calls by status"
          unit="calls"
          counts
          times={times}
          series={classes.map((c) => ({ label: c, colour: COLOURS[c], values: count((f) => f.byStatusClass[c] ?? 0) }))}
        />
        <Chart title="Error rate" unit="%" times={times} series={[{ label: 'errors', colour: COLOURS.errors, values: level((f) => Math.round(f.errorRate * 1000) / 10) }]} />
        <Chart
          title="Latency"
          unit="ms"
          times={times}
          series={[
            { label: 'p50', colour: COLOURS.p50, values: level((f) => f.p50Ms) },
            { label: 'p95', colour: COLOURS.p95, values: level((f) => f.p95Ms) },
          ]}
        />
      </div>
      <ByEndpoint report={report} />
      <div class="split">
        <Errors report={report} />
        <Callers report={report} />
      </div>
      <Steps report={report} />
    </>
  );
}

function Total({ label, value }: { label: string; value: string }) {
  return (
    <div class="card total">
      <div class="muted small">{label}</div>
      <div class="figure" data-total={label}>
        {value}
      </div>
    </div>
  );
}

const logsOf = (parts: Record<string, string | number | null | undefined>) => href('logs') + query(parts);

function ByEndpoint({ report }: { report: Report }) {
  return (
    <section>
      <h2>By endpoint version</h2>
      <div class="table-wrap">
        <table class="list" aria-label="By endpoint version">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Calls</th>
              <th scope="col">2xx / 4xx / 5xx</th>
              <th scope="col">Error rate</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
              <th scope="col">p99</th>
              <th scope="col">Slowest</th>
            </tr>
          </thead>
          <tbody>
            {report.endpoints.map(({ endpoint, version, figures: f }) => (
              <tr data-endpoint={endpoint}>
                <td>
                  <a href={logsOf({ endpoint, version })}>{endpoint}</a> v{version}
                </td>
                <td data-label="Calls">{f.calls}</td>
                <td data-label="2xx / 4xx / 5xx">
                  {f.byStatusClass['2xx'] ?? 0} / {f.byStatusClass['4xx'] ?? 0} / {f.byStatusClass['5xx'] ?? 0}
                </td>
                <td data-label="Error rate">{percent(f.errorRate)}</td>
                <td data-label="p50">{ms(f.p50Ms)}</td>
                <td data-label="p95">{ms(f.p95Ms)}</td>
                <td data-label="p99">{ms(f.p99Ms)}</td>
                <td data-label="Slowest">{ms(f.maxMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Errors({ report }: { report: Report }) {
  return (
    <section>
      <h2>Errors by status and code</h2>
      {report.errors.length ? (
        <div class="table-wrap">
          <table class="list" aria-label="Errors by status and code">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Code</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Calls</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((e) => (
                <tr>
                  <td data-label="Status">{e.status}</td>
                  <td data-label="Code">{e.code ? <a href={logsOf({ endpoint: e.endpoint, version: e.version, code: e.code })}><code>{e.code}</code></a> : '—'}</td>
                  <td data-label="Endpoint">
                    {e.endpoint}
                    {e.version ? ` v${e.version}` : ''}
                  </td>
                  <td data-label="Calls">{e.calls}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No errors.</p>
      )}
    </section>
  );
}

function Callers({ report }: { report: Report }) {
  return (
    <section>
      <h2>Top callers</h2>
      {report.topCallers.length ? (
        <div class="table-wrap">
          <table class="list" aria-label="Top callers">
            <thead>
              <tr>
                <th scope="col">Caller</th>
                <th scope="col">Calls</th>
              </tr>
            </thead>
            <tbody>
              {report.topCallers.map((c) => (
                <tr>
                  <td>
                    <a href={logsOf({ caller: c.caller })}>{c.caller}</a>
                  </td>
                  <td data-label="Calls">{c.calls}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No named callers (a consumer key or a JWT's subject names one).</p>
      )}
    </section>
  );
}

function Steps({ report }: { report: Report }) {
  return (
    <section>
      <h2>Slowest steps</h2>
      {report.slowestSteps.length ? (
        <div class="table-wrap">
          <table class="list" aria-label="Slowest steps">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Calls</th>
                <th scope="col">Average</th>
                <th scope="col">Slowest</th>
              </tr>
            </thead>
            <tbody>
              {report.slowestSteps.map((s) => (
                <tr>
                  <td>
                    <code>{s.step}</code>
                  </td>
                  <td data-label="Endpoint">
                    {s.endpoint} v{s.version}
                  </td>
                  <td data-label="Calls">{s.calls}</td>
                  <td data-label="Average">{ms(s.averageMs)}</td>
                  <td data-label="Slowest">{ms(s.maxMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No steps timed.</p>
      )}
    </section>
  );
}
