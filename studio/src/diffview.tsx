// A line diff shown as text: "+ " added lines, "- " removed lines (also told by colour), unchanged
// lines plain; with `context`, long unchanged runs fold to a line saying how many, and a button
// shows them all. The caption counts what changed.
//
//   <Diff before={oldYaml} after={newYaml} label="get-project v2 → v3" context={3} />
import { useState } from 'preact/hooks';
import { diffLines, type DiffLine } from './diff';
import './diffview.css';

type Row = DiffLine | { kind: 'fold'; count: number };

/** The lines, with unchanged runs longer than twice `context` folded but for `context` lines at each side. */
function fold(lines: DiffLine[], context: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; ) {
    if (lines[i].kind !== 'same') {
      rows.push(lines[i++]);
      continue;
    }
    let end = i;
    while (end < lines.length && lines[end].kind === 'same') end++;
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = end === lines.length ? 0 : context;
    if (end - i > keepBefore + keepAfter + 1) {
      rows.push(...lines.slice(i, i + keepBefore), { kind: 'fold', count: end - i - keepBefore - keepAfter }, ...lines.slice(end - keepAfter, end));
    } else rows.push(...lines.slice(i, end));
    i = end;
  }
  return rows;
}

export function Diff({ before, after, label, context }: { before: string; after: string; label: string; context?: number }) {
  const [all, setAll] = useState(false);
  const lines = diffLines(before, after);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  const rows = context === undefined || all ? lines : fold(lines, context);
  const folded = rows.length < lines.length;
  return (
    <figure class="diff" aria-label={label}>
      <figcaption class="muted small">
        {label}: <span class="diff-add">+{added}</span> <span class="diff-del">−{removed}</span>
        {added + removed === 0 ? ' (no change)' : null}
        {folded ? (
          <button type="button" class="link" onClick={() => setAll(true)}>
            show all lines
          </button>
        ) : null}
      </figcaption>
      <pre>
        {rows.map((l) =>
          l.kind === 'fold' ? (
            <div class="diff-fold">
              {'  '}⋯ {l.count} unchanged line{l.count === 1 ? '' : 's'}
            </div>
          ) : (
            <div class={`diff-${l.kind}`}>
              {l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}
              {l.text}
            </div>
          ),
        )}
      </pre>
    </figure>
  );
}
