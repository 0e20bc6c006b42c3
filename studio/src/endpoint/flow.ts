// The builder's model of a spec as a flow, without any UI: what each step is (data source,
// transformation, validation, branch, response), the palette's step skeletons, one-line summaries
// of the request and the response, the spec's JSON Schema with its $refs resolved, and the edits
// the builder makes to the draft's YAML document (set, delete, add, move, remove a step), each
// touching only the nodes it changes so that comments and key order elsewhere survive.
import { isMap, isScalar, isSeq, Scalar, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Spec, Step } from './model';
import type { Schema } from '../schema';

export { deref, type Schema } from '../schema';

/** A place in the spec, as the YAML document addresses it: ['steps', 2, 'sql']. */
export type Path = (string | number)[];

export type Category = 'source' | 'transform' | 'validate' | 'branch' | 'respond' | 'unknown';

export const CATEGORY_LABEL: Record<Category, string> = {
  source: 'Data source',
  transform: 'Transformation',
  validate: 'Validation',
  branch: 'Branch',
  respond: 'Response',
  unknown: 'Step',
};

/** What a step does, named by the field that gives it its kind. */
export type Kind = { field: 'sql' | 'script' | 'validate' | 'respond' | undefined; category: Category; detail: string; icon: string };

const KINDS: Kind[] = [
  { field: 'sql', category: 'source', detail: 'SQL', icon: '⛁' },
  { field: 'script', category: 'transform', detail: 'script', icon: 'ƒ' },
  { field: 'validate', category: 'validate', detail: 'schema', icon: '✓' },
  { field: 'respond', category: 'respond', detail: 'early', icon: '↩' },
];

/** "Data source · SQL", "Transformation · script", ... */
export const kindLabel = (kind: Kind) => `${CATEGORY_LABEL[kind.category]} · ${kind.detail}`;

/** The fields each kind of step uses besides id, description and when. */
export const KIND_FIELDS: Record<NonNullable<Kind['field']>, string[]> = {
  sql: ['sql', 'params', 'expect'],
  script: ['script', 'language'],
  validate: ['validate', 'schema'],
  respond: ['respond'],
};

export function kindOf(step: Step): Kind {
  return KINDS.find((k) => k.field && step[k.field] !== undefined) ?? { field: undefined, category: 'unknown', detail: 'no kind yet', icon: '?' };
}

/** A step's place among steps sharing its id: alternatives, the first whose `when` holds runs. */
export type Branch = { alternative: number; of: number; condition?: string };

/**
 * The step's category in the flow: a step that runs only `when` something holds, or one of several
 * alternatives sharing an id, is a branch; any other is what its kind makes it.
 */
export function classify(steps: Step[], index: number): { category: Category; kind: Kind; branch?: Branch } {
  const step = steps[index];
  const kind = kindOf(step);
  const siblings = step.id === undefined ? [index] : steps.map((s, i) => (s.id === step.id ? i : -1)).filter((i) => i >= 0);
  const condition = typeof step.when === 'string' ? step.when : undefined;
  if (siblings.length < 2 && condition === undefined) return { category: kind.category, kind };
  return { category: 'branch', kind, branch: { alternative: siblings.indexOf(index) + 1, of: siblings.length, condition } };
}

/** The palette: each entry adds these steps (a branch adds its two alternatives) under a fresh id. */
export const PALETTE: { label: string; base: string; make: (id: string) => Step[] }[] = [
  { label: 'SQL query', base: 'query', make: (id) => [{ id, sql: 'select 1 as one', expect: 'many' }] },
  { label: 'Script', base: 'script', make: (id) => [{ id, script: 'return { ok: true };\n' }] },
  { label: 'Validation', base: 'check', make: (id) => [{ id, validate: '${input.query}', schema: { type: 'object' } }] },
  {
    label: 'Branch',
    base: 'branch',
    make: (id) => [
      { id, when: '${size(input.query) > 0}', script: "return { branch: 'with a query' };\n" },
      { id, script: "return { branch: 'otherwise' };\n" },
    ],
  },
  { label: 'Early response', base: 'stop', make: (id) => [{ id, when: '${size(input.query) > 10}', respond: { status: 400, body: { error: 'too many query parameters' } } }] },
];

/** `base1`, `base2`, ...: the first no step has. */
export function uniqueId(steps: Step[], base: string): string {
  const taken = new Set(steps.map((s) => String(s.id)));
  for (let n = 1; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

function fieldNames(fields: unknown, limit = 4): string {
  if (!fields || typeof fields !== 'object') return '';
  const names = Object.keys(fields);
  return names.length > limit ? `${names.slice(0, limit).join(', ')} +${names.length - limit}` : names.join(', ');
}

/** Who may call: "public", "apiKey · roles admin", "jwt". */
export function authSummary(auth: unknown): string {
  if (auth === undefined) return 'public';
  if (typeof auth === 'string') return auth;
  if (auth && typeof auth === 'object') {
    const { mode, roles } = auth as { mode?: string; roles?: string[] };
    return `${mode ?? '?'}${Array.isArray(roles) && roles.length ? ` · roles ${roles.join(', ')}` : ''}`;
  }
  return '?';
}

/** The input contract in a line per part: "query: name, limit", "body: object (title, done)". */
export function inputSummary(input: Spec['input']): string[] {
  if (!input || typeof input !== 'object') return [];
  const lines: string[] = [];
  for (const part of ['params', 'query', 'headers'])
    if (input[part] && typeof input[part] === 'object' && Object.keys(input[part] as object).length) lines.push(`${part}: ${fieldNames(input[part])}`);
  const body = input.body as Schema | boolean | undefined;
  if (body !== undefined) {
    const shape = typeof body === 'object' ? (Array.isArray(body.type) ? body.type.join('|') : (body.type ?? 'schema')) : String(body);
    const fields = typeof body === 'object' ? fieldNames(body.properties) : '';
    lines.push(`body: ${shape}${fields ? ` (${fields})` : ''}`);
  }
  return lines;
}

/** A value in one short line. */
export function brief(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value.trim().split('\n')[0] : JSON.stringify(value);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** What the step does, in one line: its SQL, its script's first line, what it validates, its early answer. */
export function stepSummary(step: Step): string {
  const { field } = kindOf(step);
  return field ? brief(step[field]) : '';
}

// ---- edits of the draft's YAML document ----

/** A multi-line string is kept as a literal block (`|`), as a person would write it. */
function asNode(doc: Document, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\n')) {
    const node = new Scalar(value);
    node.type = Scalar.BLOCK_LITERAL;
    return node;
  }
  return value !== null && typeof value === 'object' ? doc.createNode(value) : value;
}

/**
 * Sets the value at `path`, or deletes it when `value` is undefined. A scalar that is there already
 * keeps its node (so its comment and style stay); a multi-line string becomes a literal block.
 */
export function setAt(doc: Document, path: Path, value: unknown): void {
  if (value === undefined) {
    if (doc.hasIn(path)) doc.deleteIn(path);
    return;
  }
  const current = doc.getIn(path, true);
  if (isScalar(current) && (value === null || typeof value !== 'object')) {
    current.value = value;
    if (typeof value === 'string' && value.includes('\n')) current.type = Scalar.BLOCK_LITERAL;
    else if (current.type === Scalar.BLOCK_LITERAL || current.type === Scalar.BLOCK_FOLDED) current.type = undefined;
    return;
  }
  doc.setIn(path, asNode(doc, value));
}

/** The document's steps as a YAML sequence; made (before `response`, where a person puts it) when there is none. */
function stepSeq(doc: Document): YAMLSeq {
  const existing = doc.get('steps', true);
  if (isSeq(existing)) return existing;
  const seq = doc.createNode([]) as YAMLSeq;
  const root = doc.contents;
  if (!isMap(root)) throw new Error('A spec is a mapping (name, method, path, steps, response).');
  if (existing !== undefined) root.delete('steps');
  const pair = doc.createPair('steps', seq);
  const at = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'response');
  if (at < 0) root.items.push(pair);
  else root.items.splice(at, 0, pair);
  return seq;
}

/** Adds steps at `index` (the end when undefined). */
export function addSteps(doc: Document, steps: Step[], index?: number): void {
  const seq = stepSeq(doc);
  const nodes = steps.map((s) => createStep(doc, s));
  seq.items.splice(index ?? seq.items.length, 0, ...nodes);
}

function createStep(doc: Document, step: Step) {
  const node = doc.createNode({}) as YAMLMap;
  for (const [key, value] of Object.entries(step)) node.set(key, asNode(doc, value));
  return node;
}

/** Moves the step at `from` so that it ends at `to`, its node (with its comments) moved whole. */
export function moveStep(doc: Document, from: number, to: number): void {
  const items = stepSeq(doc).items;
  if (from === to || from < 0 || to < 0 || from >= items.length || to >= items.length) return;
  const [item] = items.splice(from, 1);
  items.splice(to, 0, item);
}

export function removeStep(doc: Document, index: number): void {
  stepSeq(doc).items.splice(index, 1);
}
