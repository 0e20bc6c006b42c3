// A time-series chart (uPlot, loaded with the first chart) that sizes itself to its container.
// For screen readers each chart is an image with a summary, and its numbers are a table too.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

export type Series = { label: string; values: (number | null)[]; colour: string };

export function Chart({ title, times, series, unit }: { title: string; times: number[]; series: Series[]; unit: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (cancelled || !host.current) return;
      const width = () => Math.max(host.current!.clientWidth, 200);
      plot = new UPlot(
        {
          width: width(),
          height: 200,
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: s.values.filter((v) => v !== null && v !== 0).length < 3 }, spanGaps: false }))],
          axes: [{}, { label: unit, size: 60 }],
          legend: { show: true },
          scales: { x: { time: true, range: [times[0], times[times.length - 1]] } },
        },
        [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
        host.current,
      );
      observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 200 }));
      observer.observe(host.current);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [JSON.stringify([times, series])]);
  const summary = series.map((s) => `${s.label}: max ${Math.max(0, ...s.values.map((v) => v ?? 0)).toFixed(1)} ${unit}`).join('; ');
  return (
    <figure class="chart card">
      <figcaption>
        <h3>{title}</h3>
      </figcaption>
      <div ref={host} role="img" aria-label={`${title}. ${summary}`} />
      <details>
        <summary>As a table</summary>
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((s) => (
                  <th scope="col">{s.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {times.map((t, i) => (
                <tr>
                  <td>{new Date(t * 1000).toLocaleString()}</td>
                  {series.map((s) => (
                    <td>{s.values[i] ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
