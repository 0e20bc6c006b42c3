// A time-series chart: uPlot (and its CSS), loaded with the first chart drawn, sized to its
// container as that resizes. For screen readers each chart is an image whose label sums it up,
// and its numbers can be opened as a table.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

export type Series = { label: string; values: (number | null)[]; colour: string };

const HEIGHT = 200;

/** What a chart shows in words: each series' total (for counts) or its highest value. */
function summarise(title: string, series: Series[], unit: string, counts: boolean): string {
  const parts = series.map((s) => {
    const values = s.values.filter((v): v is number => v !== null);
    if (counts) return `${s.label} ${values.reduce((a, b) => a + b, 0)} ${unit}`;
    return values.length ? `${s.label} at most ${Math.max(...values).toFixed(1)} ${unit}` : `${s.label} no values`;
  });
  return `${title}. ${parts.join('; ')}.`;
}

/** The indexes of the values worth a point: those that are there (and, of counts, not 0). */
function marked(values: (number | null)[], counts: boolean): number[] {
  return values.flatMap((v, i) => (v === null || (counts && v === 0) ? [] : [i]));
}

export function Chart({ title, times, series, unit, counts = false }: { title: string; times: number[]; series: Series[]; unit: string; counts?: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let gone = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      const el = host.current;
      if (gone || !el) return;
      const width = () => Math.max(el.clientWidth, 200);
      const options: uPlot.Options = {
        width: width(),
        height: HEIGHT,
        series: [
          {},
          // points only where there is something (a lone value would not show as a line)
          ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: true, filter: marked(s.values, counts) } })),
        ],
        axes: [{ space: 80 }, { label: unit, size: 60 }],
        scales: { x: { time: true, range: [times[0], times[times.length - 1]] } },
      };
      plot = new UPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
      observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT }));
      observer.observe(el);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [JSON.stringify([times, series])]);
  return (
    <figure class="chart card">
      <figcaption>
        <h3>{title}</h3>
      </figcaption>
      <div class="chart-host" ref={host} role="img" aria-label={summarise(title, series, unit, counts)} />
      <details>
        <summary>Show as a table</summary>
        <div class="table-wrap">
          <table class="list" aria-label={`${title} as a table`}>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((s) => (
                  <th scope="col">
                    {s.label} ({unit})
                  </th>
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
