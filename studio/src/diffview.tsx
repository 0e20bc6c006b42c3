// A line diff shown as text: + added, - removed, unchanged lines plain.
import { diffLines } from './diff';
import './diffview.css';

export function Diff({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = diffLines(before, after);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <figure class="diff" aria-label={label}>
      <figcaption class="muted small">
        {label}: <span class="diff-add">+{added}</span> <span class="diff-del">−{removed}</span>
      </figcaption>
      <pre>
        {lines.map((l) => (
          <div class={`diff-${l.kind}`}>
            {l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}
            {l.text}
          </div>
        ))}
      </pre>
    </figure>
  );
}
