// The visual builder: the spec as a flow — the request (route, auth, input contract), each step as
// a card (data source, transformation, validation, branch, early response) and the response —
// with steps added from a palette, removed, and reordered by dragging a card's handle (pointer
// events) or with its Move up/down buttons. The node chosen is edited in a side panel whose form is
// generated from its part of the spec's JSON Schema. Every edit is made in the draft's YAML
// document (editDraft), so the code editor sees the same spec with its comments and key order.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Document } from 'yaml';
import { get, type Violation } from '../api';
import { href } from '../router';
import { can } from '../session';
import { ProblemView, useLoad } from '../ui';
import {
  addSteps,
  authSummary,
  brief,
  CATEGORY_LABEL,
  classify,
  deref,
  inputSummary,
  KIND_FIELDS,
  kindLabel,
  moveStep,
  PALETTE,
  removeStep,
  setAt,
  stepSummary,
  uniqueId,
  type Path,
  type Schema,
} from './flow';
import { editDraft, readSpec, type EndpointTabProps, type Spec, type Step } from './model';
import { Fields, type OnSet } from './stepform';
import './builder.css';

type Selected = { kind: 'request' } | { kind: 'step'; index: number } | { kind: 'response' };

let schemaLoading: Promise<Schema> | undefined;
function loadSchema(): Promise<Schema> {
  schemaLoading ??= get<Schema>('/api/schemas/endpoint.json').catch((e) => {
    schemaLoading = undefined;
    throw e;
  });
  return schemaLoading;
}

/** Where the selection goes when the step at `from` moves to `to`. */
function afterMove(selected: Selected, from: number, to: number): Selected {
  if (selected.kind !== 'step') return selected;
  const i = selected.index;
  if (i === from) return { kind: 'step', index: to };
  if (from < i && i <= to) return { kind: 'step', index: i - 1 };
  if (to <= i && i < from) return { kind: 'step', index: i + 1 };
  return selected;
}

/** Where a step added after the one at `index` goes: past the alternatives that share its id and follow it. */
function afterAlternatives(steps: Step[], index: number): number {
  let at = index + 1;
  while (at < steps.length && steps[at].id === steps[index].id) at++;
  return at;
}

const MAIN_REQUEST_FIELDS = ['name', 'description', 'method', 'path', 'auth', 'input'];
const COMMON_STEP_FIELDS = ['id', 'description', 'when'];

export default function BuilderTab({ name, draft, setDraft, saveError }: EndpointTabProps) {
  const schema = useLoad(loadSchema, []);
  const [selected, setSelected] = useState<Selected>({ kind: 'request' });
  const [editError, setEditError] = useState<string>();
  // what the last add, move or removal did, for screen readers
  const [said, say] = useState('');
  const panel = useRef<HTMLElement>(null);

  const { spec, error } = readSpec(draft);
  if (!spec) {
    const codeHref = name ? href('endpoints', name, 'code') : href('endpoints', 'new') + '?tab=code';
    return (
      <div class="problem" role="alert" data-testid="builder-unreadable">
        <strong>The spec cannot be read, so the builder cannot show it.</strong>
        <pre class="parse-error">{error}</pre>
        Fix it in the <a href={codeHref}>Code tab</a>; the builder changes nothing until then.
      </div>
    );
  }

  // one entry per item of the document's list, so that indexes stay the document's
  const steps: Step[] = Array.isArray(spec.steps) ? spec.steps.map((s) => (s && typeof s === 'object' ? s : {})) : [];
  const current: Selected = selected.kind === 'step' && selected.index >= steps.length ? { kind: 'request' } : selected;
  const editable = can('edit');
  const problems = saveError?.status === 422 ? (saveError.problem.errors ?? []) : [];

  /** Makes the change in the draft's YAML document; false (and why, shown) when it cannot be made. */
  const edit = (change: (doc: Document) => void): boolean => {
    try {
      setDraft(editDraft(draft, change));
      setEditError(undefined);
      return true;
    } catch (e) {
      setEditError((e as Error).message);
      return false;
    }
  };
  const idOf = (index: number) => String(steps[index]?.id ?? `step ${index + 1}`);
  const choose = (next: Selected) => {
    setSelected(next);
    // on a narrow screen the panel is under the flow: bring it into view
    if (matchMedia('(max-width: 900px)').matches) requestAnimationFrame(() => panel.current?.scrollIntoView({ block: 'start' }));
  };
  const move = (from: number, to: number) => {
    if (to < 0 || to >= steps.length || from === to || !edit((doc) => moveStep(doc, from, to))) return;
    setSelected(afterMove(current, from, to));
    say(`${idOf(from)} moved to place ${to + 1} of ${steps.length}.`);
  };
  const remove = (index: number) => {
    if (!edit((doc) => removeStep(doc, index))) return;
    say(`${idOf(index)} removed.`);
    if (current.kind === 'step' && current.index >= index) setSelected(current.index === 0 ? { kind: 'request' } : { kind: 'step', index: current.index - 1 });
  };
  const add = (entry: (typeof PALETTE)[number]) => {
    const at = current.kind === 'step' ? afterAlternatives(steps, current.index) : steps.length;
    const id = uniqueId(steps, entry.base);
    if (!edit((doc) => addSteps(doc, entry.make(id), at))) return;
    say(`${entry.label} ${id} added at place ${at + 1}.`);
    choose({ kind: 'step', index: at });
  };
  const onSet: OnSet = (path, value) => edit((doc) => setAt(doc, path, value));

  return (
    <div class="builder">
      <section class="flow" aria-label="Flow">
        {editable ? <Palette onAdd={add} /> : null}
        <p class="sr-only" role="status">
          {said}
        </p>
        {editError ? (
          <p class="problem" role="alert">
            That change could not be made: {editError}
          </p>
        ) : null}
        <div class="chain">
          <RequestNode spec={spec} on={current.kind === 'request'} problems={problems.filter((p) => !/^\/(steps|response)(\/|$)/.test(p.path))} onSelect={() => choose({ kind: 'request' })} />
          <StepList steps={steps} selected={current} problems={problems} editable={editable} onSelect={(index) => choose({ kind: 'step', index })} onMove={move} onRemove={remove} />
          <ResponseNode spec={spec} on={current.kind === 'response'} problems={problems.filter((p) => /^\/response(\/|$)/.test(p.path))} onSelect={() => choose({ kind: 'response' })} />
        </div>
      </section>
      <aside class="panel card" ref={panel} aria-labelledby="builder-panel-title">
        {schema.error ? <ProblemView error={schema.error} /> : null}
        {!schema.data && !schema.error ? <p class="muted">Loading the spec's schema…</p> : null}
        {schema.data ? (
          <fieldset class="plain" disabled={!editable}>
            <Panel key={current.kind === 'step' ? `step-${current.index}` : current.kind} root={schema.data} spec={spec} steps={steps} selected={current} onSet={onSet} problems={problems} />
          </fieldset>
        ) : null}
      </aside>
    </div>
  );
}

function Palette({ onAdd }: { onAdd: (entry: (typeof PALETTE)[number]) => void }) {
  return (
    <div class="palette" role="group" aria-label="Add a step">
      <span class="muted small">Add a step:</span>
      {PALETTE.map((entry) => (
        <button type="button" onClick={() => onAdd(entry)}>
          + {entry.label}
        </button>
      ))}
    </div>
  );
}

function ProblemMark({ problems }: { problems: Violation[] }) {
  return problems.length ? <span class="badge bad">{problems.length === 1 ? '1 problem' : `${problems.length} problems`}</span> : null;
}

function RequestNode({ spec, on, problems, onSelect }: { spec: Spec; on: boolean; problems: Violation[]; onSelect: () => void }) {
  return (
    <button type="button" class={`node request${on ? ' on' : ''}`} aria-current={on} onClick={onSelect} data-testid="request-node">
      <span class="node-kind">
        <span class="icon" aria-hidden="true">⇥</span> Request
        <ProblemMark problems={problems} />
      </span>
      <code class="route">
        {String(spec.method ?? '?')} {String(spec.path ?? '?')}
      </code>
      <span class="fact">auth: {authSummary(spec.auth)}</span>
      {inputSummary(spec.input).map((line) => (
        <span class="fact">{line}</span>
      ))}
    </button>
  );
}

function ResponseNode({ spec, on, problems, onSelect }: { spec: Spec; on: boolean; problems: Violation[]; onSelect: () => void }) {
  const response = (spec.response ?? {}) as { status?: unknown; headers?: Record<string, unknown>; body?: unknown };
  const headers = Object.keys(response.headers ?? {});
  return (
    <button type="button" class={`node response${on ? ' on' : ''}`} aria-current={on} onClick={onSelect} data-testid="response-node">
      <span class="node-kind">
        <span class="icon" aria-hidden="true">⇤</span> Response
        <ProblemMark problems={problems} />
      </span>
      <span class="fact">status: {response.status === undefined ? '200' : brief(response.status)}</span>
      <span class="summary">{response.body === undefined ? "body: the last step's output" : `body: ${brief(response.body)}`}</span>
      {headers.length ? <span class="fact">headers: {headers.join(', ')}</span> : null}
    </button>
  );
}

type Drag = { from: number; pointerId: number; startY: number; dy: number; to: number };

/** The steps, in order: each a card with a drag handle, its Move up/down and Remove buttons. */
function StepList({ steps, selected, problems, editable, onSelect, onMove, onRemove }: {
  steps: Step[];
  selected: Selected;
  problems: Violation[];
  editable: boolean;
  onSelect: (index: number) => void;
  onMove: (from: number, to: number) => void;
  onRemove: (index: number) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const [drag, setDrag] = useState<Drag>();
  // after a move from the keyboard, the focus follows the step moved: its control of the same name
  const refocus = useRef<{ index: number; control: string }>();
  useEffect(() => {
    const wanted = refocus.current;
    refocus.current = undefined;
    const card = wanted && list.current?.children[wanted.index];
    if (!card) return;
    const control = card.querySelector<HTMLButtonElement>(`[data-control="${wanted.control}"]`);
    (control && !control.disabled ? control : card.querySelector<HTMLButtonElement>('[data-control="handle"]'))?.focus();
  });
  const moveFrom = (control: string, from: number, to: number) => {
    if (to < 0 || to >= steps.length) return;
    refocus.current = { index: to, control };
    onMove(from, to);
  };

  /** Where the dragged card lands: before the first other card whose middle is below the pointer. */
  const dropIndex = (y: number, from: number) => {
    const others = [...(list.current?.querySelectorAll<HTMLElement>(':scope > li.step') ?? [])].filter((_, i) => i !== from);
    return others.filter((card) => {
      const box = card.getBoundingClientRect();
      return box.top + box.height / 2 < y;
    }).length;
  };
  const handlers = (index: number) => ({
    onPointerDown: (e: PointerEvent) => {
      if (e.button !== 0) return;
      e.preventDefault();
      (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
      setDrag({ from: index, pointerId: e.pointerId, startY: e.clientY, dy: 0, to: index });
    },
    onPointerMove: (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.pointerId) return;
      setDrag({ ...drag, dy: e.clientY - drag.startY, to: dropIndex(e.clientY, drag.from) });
    },
    onPointerUp: (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.pointerId) return;
      setDrag(undefined);
      if (Math.abs(e.clientY - drag.startY) > 4) onMove(drag.from, dropIndex(e.clientY, drag.from));
    },
    onPointerCancel: () => setDrag(undefined),
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Escape') setDrag(undefined);
      else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
        e.preventDefault();
        moveFrom('handle', index, index + (e.key === 'ArrowUp' ? -1 : 1));
      }
    },
  });
  // the drop line: above the card the dragged one will precede, or under the last
  const dropAt = drag && drag.to !== drag.from ? (drag.to < drag.from ? drag.to : drag.to + 1) : undefined;

  if (!steps.length) return <p class="no-steps muted">No steps yet: the response is built from the input alone. Add one from the palette.</p>;
  return (
    <ol class="steps" ref={list} aria-label="Steps">
      {steps.map((step, i) => {
        const id = String(step.id ?? `step ${i + 1}`);
        const { category, kind, branch } = classify(steps, i);
        const on = selected.kind === 'step' && selected.index === i;
        const dragged = drag?.from === i;
        const mine = problems.filter((p) => p.path === `/steps/${i}` || p.path.startsWith(`/steps/${i}/`));
        const classes = ['step', `cat-${category}`, on ? 'on' : '', dragged ? 'dragged' : '', dropAt === i ? 'drop-before' : '', dropAt === steps.length && i === steps.length - 1 ? 'drop-after' : ''];
        return (
          <li class={classes.filter(Boolean).join(' ')} data-step={id} data-category={category} style={dragged ? { transform: `translateY(${drag!.dy}px)` } : undefined}>
            {editable ? (
              <button type="button" class="handle" data-control="handle" aria-label={`Reorder ${id}: drag, or press the up and down arrow keys`} title="Drag to reorder" {...handlers(i)}>
                ⠿
              </button>
            ) : (
              <span />
            )}
            <button type="button" class="node-main" aria-current={on} onClick={() => onSelect(i)}>
              <span class="node-kind">
                <span class="icon" aria-hidden="true">{category === 'branch' ? '◇' : kind.icon}</span> {CATEGORY_LABEL[category]}
                <span class="kind-detail"> · {category === 'branch' ? kindLabel(kind) : kind.detail}</span>
                <ProblemMark problems={mine} />
              </span>
              <strong class="step-id">{id}</strong>
              {branch ? (
                <span class="fact branch">
                  {branch.condition ? `when ${branch.condition}` : 'otherwise'}
                  {branch.of > 1 ? ` · alternative ${branch.alternative} of ${branch.of}` : ''}
                </span>
              ) : null}
              <span class="summary">{stepSummary(step)}</span>
            </button>
            {editable ? (
              <span class="step-actions">
                <button type="button" aria-label={`Move ${id} up`} title="Move up" data-control="up" disabled={i === 0} onClick={() => moveFrom('up', i, i - 1)}>
                  ↑
                </button>
                <button type="button" aria-label={`Move ${id} down`} title="Move down" data-control="down" disabled={i === steps.length - 1} onClick={() => moveFrom('down', i, i + 1)}>
                  ↓
                </button>
                <button type="button" aria-label={`Remove ${id}`} title="Remove" onClick={() => onRemove(i)}>
                  ✕
                </button>
              </span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

/** Problems by JSON pointer, for the form's fields. */
function byPointer(problems: Violation[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems) out[p.path] = out[p.path] ? `${out[p.path]}; ${p.message}` : p.message;
  return out;
}

/** The form of the node chosen, generated from its part of the schema. */
function Panel({ root, spec, steps, selected, onSet, problems }: { root: Schema; spec: Spec; steps: Step[]; selected: Selected; onSet: OnSet; problems: Violation[] }) {
  const errors = byPointer(problems);
  if (selected.kind === 'request') {
    const top = deref(root, root);
    const more = Object.keys(top.properties ?? {}).filter((k) => !MAIN_REQUEST_FIELDS.includes(k) && k !== 'steps' && k !== 'response');
    return (
      <>
        <h2 id="builder-panel-title">Request</h2>
        <Fields schema={top} value={spec} path={[]} keys={MAIN_REQUEST_FIELDS} onSet={onSet} errors={errors} />
        <details open={more.some((k) => spec[k] !== undefined)}>
          <summary>More settings: {more.join(', ')}</summary>
          <Fields schema={top} value={spec} path={[]} keys={more} onSet={onSet} errors={errors} />
        </details>
      </>
    );
  }
  if (selected.kind === 'response') {
    return (
      <>
        <h2 id="builder-panel-title">Response</h2>
        <p class="muted small">Without a body, the answer is the last step's output.</p>
        <Fields schema={deref(root.$defs!.response, root)} value={spec.response} path={['response']} onSet={onSet} errors={errors} />
      </>
    );
  }
  const step = steps[selected.index];
  const { category, kind, branch } = classify(steps, selected.index);
  const stepSchema = deref(root.$defs!.step, root);
  const main = [...COMMON_STEP_FIELDS, ...(kind.field ? KIND_FIELDS[kind.field] : Object.values(KIND_FIELDS).flat())];
  const rest = Object.keys(stepSchema.properties ?? {}).filter((k) => !main.includes(k));
  const path: Path = ['steps', selected.index];
  return (
    <>
      <h2 id="builder-panel-title">
        Step {String(step.id ?? selected.index + 1)} <span class="badge info">{CATEGORY_LABEL[category]}</span>
      </h2>
      <p class="muted small">
        {kindLabel(kind)}
        {branch ? (branch.condition ? ` — runs only when ${branch.condition}` : ` — runs when the alternatives before it did not`) : ''}. Later steps and the response read its
        output as <code>steps.{String(step.id)}</code>.
      </p>
      <Fields schema={stepSchema} value={step} path={path} keys={main} onSet={onSet} errors={errors} />
      <details open={rest.some((k) => step[k] !== undefined)}>
        <summary>Other fields: {rest.join(', ')}</summary>
        <Fields schema={stepSchema} value={step} path={path} keys={rest} onSet={onSet} errors={errors} />
      </details>
    </>
  );
}
