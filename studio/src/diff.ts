// A line diff by longest common subsequence, for any two texts: versions of a spec, releases,
// drafts the chat proposes. No rendering here (diffview.tsx shows one).
//
//   diffLines('a\nb\n', 'a\nc\n') → [{kind: 'same', text: 'a'}, {kind: 'del', text: 'b'}, {kind: 'add', text: 'c'}]

/** One line of a diff: in both texts, only in the second (add), or only in the first (del). */
export type DiffLine = { kind: 'same' | 'add' | 'del'; text: string };

/** A text's lines; a final line break ends the last line rather than starting an empty one, and "" has none. */
function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.replace(/\r\n/g, '\n').split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/**
 * The lines of `b` against those of `a`, in order: unchanged lines, and where they differ the
 * removed lines before the added ones. Lines equal at both ends are matched first, so only the
 * changed middle costs the quadratic table.
 */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = lines(a);
  const y = lines(b);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const out: DiffLine[] = x.slice(0, start).map((text) => ({ kind: 'same', text }));
  out.push(...middle(x.slice(start, endX), y.slice(start, endY)));
  out.push(...x.slice(endX).map((text): DiffLine => ({ kind: 'same', text })));
  return out;
}

/** The diff of two runs of lines by their longest common subsequence. */
function middle(a: string[], b: string[]): DiffLine[] {
  const width = b.length + 1;
  // lcs[i * width + j]: the length of the longest common subsequence of a[i..] and b[j..]
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) out.push({ kind: 'del', text: a[i++] });
    else out.push({ kind: 'add', text: b[j++] });
  }
  while (i < a.length) out.push({ kind: 'del', text: a[i++] });
  while (j < b.length) out.push({ kind: 'add', text: b[j++] });
  return out;
}
