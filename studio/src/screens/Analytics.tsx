// Calls, errors and latency over time, per endpoint, from the rollups (GET /api/analytics).
import { get, query } from '../api';
import { Chart } from '../charts';
import { href, navigate } from '../router';
import { Field, Page, Show, useLoad } from '../ui';
import './analytics.css';

type Figures = { calls: number; byStatusClass: Record<string, number>; errorRate: number; p50Ms: number; p95Ms: number; p99Ms: number; averageMs: number; maxMs: number; bytesIn: number; bytesOut: number };
type Analytics = {
  totals: Figures;
  series: { at: string; figures: Figures }[];
  endpoints: { endpoint: string; version: number; figures: Figures }[];
  errors: { endpoint: string; version: number; status: number; code: string | null; calls: number }[];
  slowestSteps: { endpoint: string; version: number; step: string; calls: number; averageMs: number; maxMs: number }[];
  topCallers: { caller: string; calls: number }[];
};

const STEP_SECONDS: Record<string, number> = { '1m': 60, '1h': 3600, '6h': 21600, '1d': 86400 };

/**
 * Every bucket of the range, empty ones too, so a chart's time axis is the range asked for: the
 * series holds only buckets that had calls.
 */
function buckets(a: Analytics & { from: string; to: string }, step: number): { times: number[]; figures: (Figures | undefined)[] } {
  const byTime = new Map(a.series.map((p) => [Math.floor(Date.parse(p.at) / 1000), p.figures]));
  const first = Math.floor(Date.parse(a.from) / 1000 / step) * step;
  const last = Math.floor(Date.parse(a.to) / 1000 / step) * step;
  const times: number[] = [];
  for (let t = first; t <= last; t += step) times.push(t);
  for (const t of byTime.keys()) if (!times.includes(t)) times.push(t);
  times.sort((x, y) => x - y);
  return { times, figures: times.map((t) => byTime.get(t)) };
}

const RANGES: Record<string, { label: string; hours: number; bucket: string }> = {
  '1h': { label: 'Last hour', hours: 1, bucket: '1m' },
  '24h': { label: 'Last 24 hours', hours: 24, bucket: '1h' },
  '7d': { label: 'Last 7 days', hours: 168, bucket: '6h' },
  '30d': { label: 'Last 30 days', hours: 720, bucket: '1d' },
};

export default function Analytics({ params }: { params: URLSearchParams }) {
  const range = RANGES[params.get('range') ?? '24h'] ? (params.get('range') ?? '24h') : '24h';
  const endpoint = params.get('endpoint') ?? '';
  const { hours, bucket } = RANGES[range];
  const loaded = useLoad(() => {
    const from = new Date(Date.now() - hours * 3600_000).toISOString();
    return get<Analytics & { from: string; to: string }>(`/api/analytics${query({ from, bucket, endpoint })}`);
  }, [range, endpoint]);
  const set = (change: Record<string, string>) => navigate(href('analytics') + query({ range, endpoint, ...change }));
  return (
    <Page title="Analytics" actions={<button type="button" onClick={loaded.reload}>Refresh</button>}>
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
          {(id) => <input id={id} value={endpoint} placeholder="all endpoints" onChange={(e) => set({ endpoint: e.currentTarget.value })} />}
        </Field>
      </div>
      <Show loaded={loaded}>{(a) => <Report a={a} step={STEP_SECONDS[bucket]} />}</Show>
    </Page>
  );
}

function Report({ a, step }: { a: Analytics & { from: string; to: string }; step: number }) {
  const t = a.totals;
  if (!t.calls) return <p class="empty">No calls in this range.</p>;
  const { times, figures } = buckets(a, step);
  // calls are 0 in an empty bucket; rates and latencies have no value there
  const count = (f: (x: Figures) => number) => figures.map((x) => (x ? f(x) : 0));
  const pick = (f: (x: Figures) => number) => figures.map((x) => (x?.calls ? f(x) : null));
  return (
    <>
      <div class="totals" data-testid="totals">
        <Total label="Calls" value={String(t.calls)} />
        <Total label="Error rate" value={`${(t.errorRate * 100).toFixed(1)} %`} />
        <Total label="p50" value={`${t.p50Ms.toFixed(1)} ms`} />
        <Total label="p95" value={`${t.p95Ms.toFixed(1)} ms`} />
        <Total label="p99" value={`${t.p99Ms.toFixed(1)} ms`} />
        <Total label="Out" value={`${t.bytesOut} B`} />
      </div>
      <div class="charts">
        <Chart title="Calls" unit="calls" times={times} series={[
          { label: '2xx', colour: '#166534', values: count((f) => f.byStatusClass['2xx'] ?? 0) },
          { label: '4xx', colour: '#b45309', values: count((f) => f.byStatusClass['4xx'] ?? 0) },
          { label: '5xx', colour: '#b91c1c', values: count((f) => f.byStatusClass['5xx'] ?? 0) },
        ]} />
        <Chart title="Error rate" unit="%" times={times} series={[{ label: 'errors', colour: '#b91c1c', values: pick((f) => Math.round(f.errorRate * 1000) / 10) }]} />
        <Chart title="Latency" unit="ms" times={times} series={[
          { label: 'p50', colour: '#1d4ed8', values: pick((f) => f.p50Ms) },
          { label: 'p95', colour: '#7c3aed', values: pick((f) => f.p95Ms) },
        ]} />
      </div>
      <h2>By endpoint</h2>
      <div class="table-wrap">
        <table class="list" aria-label="By endpoint">
          <thead><tr><th scope="col">Endpoint</th><th scope="col">Calls</th><th scope="col">Errors</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
          <tbody>
            {a.endpoints.map((e) => (
              <tr data-endpoint={e.endpoint}>
                <td><a href={href('endpoints', e.endpoint)}>{e.endpoint}</a> v{e.version}</td>
                <td>{e.figures.calls}</td>
                <td>{(e.figures.errorRate * 100).toFixed(1)} %</td>
                <td>{e.figures.p50Ms.toFixed(1)} ms</td>
                <td>{e.figures.p95Ms.toFixed(1)} ms</td>
                <td>{e.figures.p99Ms.toFixed(1)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="split">
        <section>
          <h2>Errors</h2>
          {a.errors.length ? (
            <ul>{a.errors.map((e) => <li><strong>{e.status}</strong> {e.code ?? ''} — {e.endpoint} v{e.version}: {e.calls}</li>)}</ul>
          ) : <p class="muted">None.</p>}
          <h2>Top callers</h2>
          {a.topCallers.length ? <ul>{a.topCallers.map((c) => <li>{c.caller}: {c.calls}</li>)}</ul> : <p class="muted">No named callers.</p>}
        </section>
        <section>
          <h2>Slowest steps</h2>
          {a.slowestSteps.length ? (
            <ul>{a.slowestSteps.map((s) => <li>{s.endpoint} v{s.version} <code>{s.step}</code>: {s.averageMs.toFixed(1)} ms on average, {s.maxMs.toFixed(1)} ms at most ({s.calls} calls)</li>)}</ul>
          ) : <p class="muted">No steps timed.</p>}
        </section>
      </div>
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
