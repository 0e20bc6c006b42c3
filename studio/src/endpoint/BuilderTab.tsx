// The visual builder: the spec as a flow (the request, each step, the response), steps added from
// a palette, removed, and reordered by dragging (pointer events) or with Move up/down; the node
// chosen is edited in a form generated from its part of the spec's JSON Schema. Every edit goes
// through the YAML document of the draft (editDraft), so the code editor sees the same spec, its
// comments and key order kept.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isSeq, type Document, type YAMLSeq } from 'yaml';
import { SchemaForm, type Schema } from '../schemaform';
import { editDraft, readSpec, type EndpointTabProps, type Step } from './model';
import './builder.css';

type Root = Schema & { $defs?: Record<string, Schema> };
type Selected = { kind: 'request' } | { kind: 'step'; index: number } | { kind: 'response' };

let rootSchema: Promise<Root> | undefined;
const loadSchema = () => (rootSchema ??= fetch('/api/schemas/endpoint.json').then((r) => r.json()));

/** The schema with its $refs replaced by what they name; a reference deeper than `depth` becomes "any JSON". */
export function deref(schema: Schema, root: Root, depth = 4): Schema {
  if (typeof schema.$ref === 'string') {
    if (depth <= 0) return { description: schema.description };
    const target = root.$defs?.[schema.$ref.replace('#/$defs/', '')] ?? {};
    return deref({ ...target, ...(schema.description ? { description: schema.description } : {}) }, root, depth - 1);
  }
  const out: Schema = { ...schema };
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, deref(v, root, depth)]));
  if (schema.items) out.items = deref(schema.items, root, depth);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = deref(schema.additionalProperties, root, depth);
  if (schema.oneOf) out.oneOf = schema.oneOf.map((s) => deref(s, root, depth));
  if (schema.anyOf) out.anyOf = schema.anyOf.map((s) => deref(s, root, depth));
  delete out.$ref;
  return out;
}

/** What a step is, as the flow names it. */
export function kindOf(step: Step): { kind: string; label: string } {
  if (typeof step.sql === 'string') return { kind: 'source', label: 'Data source (SQL)' };
  if (typeof step.script === 'string') return { kind: 'transform', label: 'Transformation (script)' };
  if (step.validate !== undefined) return { kind: 'validate', label: 'Validation' };
  if (step.respond !== undefined) return { kind: 'respond', label: 'Response (early)' };
  return { kind: 'other', label: 'Step' };
}

const PALETTE: [string, (id: string) => Step][] = [
  ['SQL query', (id) => ({ id, sql: 'select 1 as one', expect: 'many' })],
  ['Script', (id) => ({ id, script: 'return { ok: true };\n' })],
  ['Validation', (id) => ({ id, validate: '${input.body}', schema: { type: 'object' } })],
  ['Branch', (id) => ({ id, when: '${input.query.flag == "yes"}', script: 'return { branch: true };\n' })],
  ['Early response', (id) => ({ id, when: '${input.query.stop == "yes"}', respond: { status: 204 } })],
];

function uniqueId(steps: Step[], base: string): string {
  const taken = new Set(steps.map((s) => String(s.id)));
  for (let n = 1; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

/** Sets the keys that changed between `before` and `after` under `path` (so unchanged nodes keep their comments). */
function setChanged(doc: Document, path: (string | number)[], before: Record<string, unknown>, after: Record<string, unknown>) {
  for (const key of Object.keys(before)) if (!(key in after)) doc.deleteIn([...path, key]);
  for (const [key, value] of Object.entries(after))
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) doc.setIn([...path, key], doc.createNode(value));
}

export default function BuilderTab({ draft, setDraft }: EndpointTabProps) {
  const [root, setRoot] = useState<Root>();
  const [selected, setSelected] = useState<Selected>({ kind: 'request' });
  const [dragging, setDragging] = useState<{ from: number; to: number }>();
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => void loadSchema().then(setRoot), []);

  const { spec, error } = readSpec(draft);
  if (!spec) {
    return (
      <div class="problem" role="alert">
        The spec cannot be read ({error}). Fix it in the Code tab; the builder edits nothing meanwhile.
      </div>
    );
  }
  const steps = spec.steps ?? [];
  const edit = (change: (doc: Document) => void) => setDraft(editDraft(draft, change));
  /** The document's steps as a YAML sequence's items (made when the spec has none). */
  const stepItems = (doc: Document): unknown[] => {
    if (!isSeq(doc.get('steps', true))) doc.set('steps', doc.createNode([]));
    return (doc.get('steps', true) as YAMLSeq).items;
  };
  const move = (from: number, to: number) => {
    if (from === to || to < 0 || to >= steps.length) return;
    edit((doc) => {
      const items = stepItems(doc);
      const [item] = items.splice(from, 1);
      items.splice(to, 0, item);
    });
    if (selected.kind === 'step' && selected.index === from) setSelected({ kind: 'step', index: to });
  };
  const remove = (index: number) => {
    edit((doc) => void stepItems(doc).splice(index, 1));
    setSelected({ kind: 'request' });
  };
  const add = (make: (id: string) => Step, base: string) => {
    const step = make(uniqueId(steps, base));
    edit((doc) => void stepItems(doc).push(doc.createNode(step)));
    setSelected({ kind: 'step', index: steps.length });
  };

  // dragging a step by its handle: the drop place is the gap nearest the pointer
  const targetAt = (y: number) => {
    const cards = [...(list.current?.querySelectorAll<HTMLElement>('li.step') ?? [])];
    const index = cards.findIndex((c) => {
      const box = c.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
    return index < 0 ? cards.length : index;
  };
  const startDrag = (from: number) => (e: PointerEvent) => {
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    setDragging({ from, to: from });
  };
  const onMove = (e: PointerEvent) => dragging && setDragging({ ...dragging, to: targetAt(e.clientY) });
  const onUp = () => {
    if (!dragging) return;
    const to = dragging.to > dragging.from ? dragging.to - 1 : dragging.to;
    setDragging(undefined);
    move(dragging.from, to);
  };

  const request = Object.fromEntries(['name', 'description', 'method', 'path', 'auth'].filter((k) => k in spec).map((k) => [k, spec[k]]));
  const requestSchema: Schema | undefined = root && { type: 'object', required: root.required, properties: Object.fromEntries(['name', 'description', 'method', 'path', 'auth'].map((k) => [k, deref(root.properties![k], root)])) };
  const current = selected.kind === 'step' ? steps[selected.index] : undefined;

  return (
    <div class="builder">
      <div class="flow" aria-label="Flow">
        <button type="button" class={`node request ${selected.kind === 'request' ? 'on' : ''}`} onClick={() => setSelected({ kind: 'request' })}>
          <span class="node-kind">Request</span>
          <code>
            {String(spec.method ?? '?')} {String(spec.path ?? '?')}
          </code>
        </button>
        <ol class="steps" ref={list} aria-label="Steps" onPointerMove={onMove} onPointerUp={onUp}>
          {steps.map((step, i) => {
            const { kind, label } = kindOf(step);
            return (
              <li class={`step ${kind} ${dragging?.to === i ? 'drop-before' : ''} ${dragging?.from === i ? 'dragged' : ''}`} data-step={String(step.id)}>
                <span class="handle" role="img" aria-label={`Drag ${String(step.id)}`} onPointerDown={startDrag(i)} title="Drag to reorder">
                  ⠿
                </span>
                <button type="button" class={`node ${selected.kind === 'step' && selected.index === i ? 'on' : ''}`} onClick={() => setSelected({ kind: 'step', index: i })}>
                  <span class="node-kind">
                    {label}
                    {step.when ? <span class="badge warn">branch: when</span> : null}
                  </span>
                  <strong>{String(step.id)}</strong>
                  <span class="summary">{String(step.sql ?? step.script ?? step.validate ?? JSON.stringify(step.respond ?? '')).split('\n')[0].slice(0, 80)}</span>
                </button>
                <span class="step-actions">
                  <button type="button" aria-label={`Move ${String(step.id)} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>
                    ↑
                  </button>
                  <button type="button" aria-label={`Move ${String(step.id)} down`} disabled={i === steps.length - 1} onClick={() => move(i, i + 1)}>
                    ↓
                  </button>
                  <button type="button" aria-label={`Remove ${String(step.id)}`} onClick={() => remove(i)}>
                    ✕
                  </button>
                </span>
              </li>
            );
          })}
          {dragging?.to === steps.length ? <li class="drop-end" aria-hidden="true" /> : null}
        </ol>
        <div class="palette" role="group" aria-label="Add a step">
          {PALETTE.map(([name, make]) => (
            <button type="button" onClick={() => add(make, name === 'SQL query' ? 'query' : name.split(' ')[0].toLowerCase())}>
              + {name}
            </button>
          ))}
        </div>
        <button type="button" class={`node response ${selected.kind === 'response' ? 'on' : ''}`} onClick={() => setSelected({ kind: 'response' })}>
          <span class="node-kind">Response</span>
          <span class="summary">{JSON.stringify(spec.response?.body ?? null).slice(0, 80)}</span>
        </button>
      </div>
      <aside class="panel card" aria-label="Edit">
        {!root ? <p class="muted">Loading the schema…</p> : null}
        {root && selected.kind === 'request' && requestSchema ? (
          <SchemaForm schema={requestSchema} value={request} label="Request" path="" onChange={(v) => edit((doc) => setChanged(doc, [], request, v as Record<string, unknown>))} />
        ) : null}
        {root && current ? (
          <SchemaForm
            key={`step-${selected.kind === 'step' ? selected.index : ''}`}
            schema={deref(root.$defs!.step, root)}
            value={current}
            label={`Step ${String(current.id)}`}
            path={`/steps/${selected.kind === 'step' ? selected.index : 0}`}
            onChange={(v) => selected.kind === 'step' && edit((doc) => setChanged(doc, ['steps', selected.index], current, v as Record<string, unknown>))}
          />
        ) : null}
        {root && selected.kind === 'response' ? (
          <SchemaForm
            schema={deref(root.$defs!.response, root)}
            value={spec.response ?? {}}
            label="Response"
            path="/response"
            onChange={(v) => edit((doc) => (spec.response ? setChanged(doc, ['response'], spec.response, v as Record<string, unknown>) : doc.set('response', doc.createNode(v))))}
          />
        ) : null}
      </aside>
    </div>
  );
}
