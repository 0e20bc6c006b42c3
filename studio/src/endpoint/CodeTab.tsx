// The code editor: the spec in YAML or JSON in Monaco, checked against the spec's JSON Schema as it
// is typed; the server's refusals of a save marked at the lines their JSON pointers name; and a
// second editor for a step's script (TypeScript, with IntelliSense for `ctx` from slipway.d.ts) or
// SQL, whose text goes back into the spec. Monaco is imported only when this tab first opens.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { editor as MonacoEditor } from 'monaco-editor/editor/editor.api.js';
import { convert, editDraft, readSpec, type Draft, type EndpointTabProps, type Format, type Step } from './model';
import { check, pointerRange, type Finding } from './validate';
import type { Monaco } from './monaco';
import './code.css';

type Source = 'spec' | 'server';
type Marked = Finding & { source: Source };
type Editor = MonacoEditor.IStandaloneCodeEditor;

const OPTIONS: MonacoEditor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  minimap: { enabled: false },
  tabSize: 2,
  scrollBeyondLastLine: false,
  fixedOverflowWidgets: true,
  wordWrap: 'on',
  lineNumbersMinChars: 3,
};

let monacoLoading: Promise<Monaco> | undefined;

function useMonaco() {
  const [monaco, setMonaco] = useState<Monaco>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    let live = true;
    monacoLoading ??= import('./monaco').then((m) => m.loadMonaco());
    monacoLoading.then(
      (m) => live && setMonaco(m),
      (e) => {
        monacoLoading = undefined;
        if (live) setFailed(String(e));
      },
    );
    return () => void (live = false);
  }, []);
  return { monaco, failed };
}

export default function CodeTab({ draft, setDraft, saveError }: EndpointTabProps) {
  const { monaco, failed } = useMonaco();
  const editor = useRef<Editor>();
  // the draft as last set: a second edit before the next render builds on the first
  const latest = useRef(draft);
  latest.current = draft;
  const update = (next: Draft) => {
    latest.current = next;
    setDraft(next);
  };
  const [findings, setFindings] = useState<Finding[]>([]);
  const [checking, setChecking] = useState(true);
  const [formatProblem, setFormatProblem] = useState<string>();
  const [stepIndex, setStepIndex] = useState<number>();

  // checked as typed, 300 ms after the last key; a late answer about older text is dropped
  useEffect(() => {
    let current = true;
    setChecking(true);
    const timer = setTimeout(() => {
      check(draft.text, draft.format).then(
        (found) => current && (setFindings(found), setChecking(false)),
        () => current && (setFindings([]), setChecking(false)),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [draft.text, draft.format]);

  // the last save's refusal, placed in the text as it is now
  const refused: Finding[] = useMemo(
    () => (saveError?.status === 422 ? (saveError.problem.errors ?? []) : []).map((v) => ({ pointer: v.path, message: v.message, ...pointerRange(draft.text, v.path) })),
    [saveError, draft.text],
  );
  const marked: Marked[] = [...findings.map((f) => ({ ...f, source: 'spec' as const })), ...refused.map((f) => ({ ...f, source: 'server' as const }))];

  useEffect(() => {
    const model = editor.current?.getModel();
    if (!model || !monaco) return;
    monaco.editor.setModelMarkers(
      model,
      'slipway',
      marked.map((f) => ({
        severity: monaco.MarkerSeverity.Error,
        message: `${f.pointer || '/'}: ${f.message}${f.source === 'server' ? ' (the server refused the last save)' : ''}`,
        startLineNumber: f.line,
        startColumn: f.column,
        endLineNumber: f.endLine,
        endColumn: f.endColumn,
      })),
    );
  }, [JSON.stringify(marked), monaco]);

  const reveal = (f: Finding) => {
    const e = editor.current;
    if (!e) return;
    e.revealLineInCenter(f.line);
    e.setPosition({ lineNumber: f.line, column: f.column });
    e.focus();
  };

  const switchFormat = (format: Format) => {
    const next = convert(draft, format);
    setFormatProblem(next.format === format ? undefined : `The spec cannot be read, so it stays ${draft.format.toUpperCase()}: fix the marked mistake first.`);
    update(next);
  };

  const steps = readSpec(draft).spec?.steps ?? [];
  const step = stepIndex !== undefined ? steps[stepIndex] : undefined;
  const kind = step ? codeOf(step) : undefined;

  return (
    <div class="code-tab">
      <div class="toolbar">
        <div role="group" aria-label="Format of the spec" class="segmented">
          {(['yaml', 'json'] as const).map((f) => (
            <button type="button" aria-pressed={draft.format === f} class={draft.format === f ? 'on' : ''} onClick={() => switchFormat(f)}>
              {f.toUpperCase()}
            </button>
          ))}
        </div>
        <span class="muted small" id="editor-keys">
          In an editor, Tab indents: press Ctrl+M (Ctrl+Shift+M on a Mac) to make Tab move to the next control instead.
        </span>
      </div>
      {formatProblem ? <p class="notice" role="status">{formatProblem}</p> : null}
      {failed ? <p class="problem" role="alert">The editor could not be loaded: {failed}</p> : null}
      {monaco ? (
        <SpecEditor monaco={monaco} draft={draft} onText={(text) => update({ text, format: latest.current.format })} editorRef={editor} />
      ) : (
        <div class="editor-host editor-loading" aria-busy="true">
          <p class="muted" role="status">Loading the editor…</p>
        </div>
      )}
      <Findings marked={marked} checking={checking} onReveal={reveal} />
      {steps.some((s) => codeOf(s)) ? (
        <section class="step-code" aria-labelledby="step-code-title">
          <h2 id="step-code-title">Code of a step</h2>
          <div class="toolbar" role="group" aria-label="Steps with code">
            {steps.map((s, i) => {
              const code = codeOf(s);
              if (!code) return null;
              return (
                <button type="button" aria-pressed={i === stepIndex} class={i === stepIndex ? 'on' : ''} onClick={() => setStepIndex(i === stepIndex ? undefined : i)}>
                  {LANGUAGE_NAMES[code.language]}: {String(s.id ?? `step ${i + 1}`)}
                </button>
              );
            })}
          </div>
          {step && kind && monaco && stepIndex !== undefined ? (
            <StepEditor
              key={`${stepIndex}-${kind.language}`}
              monaco={monaco}
              label={`${LANGUAGE_NAMES[kind.language]} of step ${String(step.id ?? stepIndex + 1)}`}
              language={kind.language}
              value={kind.text}
              onChange={(text) => {
                try {
                  update(editDraft(latest.current, (doc) => doc.setIn(['steps', stepIndex, kind.field], text)));
                } catch {
                  // the spec does not parse just now: its editor marks why, and this edit waits
                }
              }}
            />
          ) : null}
        </section>
      ) : null}
    </div>
  );
}

type CodeLanguage = 'typescript' | 'javascript' | 'sql';
const LANGUAGE_NAMES: Record<CodeLanguage, string> = { typescript: 'TypeScript', javascript: 'JavaScript', sql: 'SQL' };

/** A step's code, when it has some: its script or its SQL. */
function codeOf(step: Step): { field: 'script' | 'sql'; language: CodeLanguage; text: string } | undefined {
  if (typeof step.script === 'string') return { field: 'script', language: step.language === 'javascript' ? 'javascript' : 'typescript', text: step.script };
  if (typeof step.sql === 'string') return { field: 'sql', language: 'sql', text: step.sql };
  return undefined;
}

/** The spec's editor: its text is the draft's, both ways. */
function SpecEditor({ monaco, draft, onText, editorRef }: { monaco: Monaco; draft: Draft; onText: (text: string) => void; editorRef: { current?: Editor } }) {
  const host = useRef<HTMLDivElement>(null);
  const emit = useRef(onText);
  emit.current = onText;
  const applying = useRef(false);
  useEffect(() => {
    const model = monaco.editor.createModel(draft.text, draft.format);
    const e = monaco.editor.create(host.current!, { ...OPTIONS, model, ariaLabel: `Endpoint spec (${draft.format.toUpperCase()})` });
    e.onDidChangeModelContent(() => applying.current || emit.current(model.getValue()));
    editorRef.current = e;
    return () => {
      editorRef.current = undefined;
      e.dispose();
      model.dispose();
    };
  }, []);
  // the draft changed elsewhere (the builder, a step's editor, the format, a reload): show it
  useEffect(() => {
    const e = editorRef.current;
    const model = e?.getModel();
    if (!e || !model) return;
    if (model.getLanguageId() !== draft.format) {
      monaco.editor.setModelLanguage(model, draft.format);
      e.updateOptions({ ariaLabel: `Endpoint spec (${draft.format.toUpperCase()})` });
    }
    if (model.getValue() === draft.text) return;
    applying.current = true;
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: draft.text }], () => null);
    applying.current = false;
  }, [draft.text, draft.format]);
  return <div ref={host} class="editor-host" data-testid="spec-editor" aria-describedby="editor-keys" />;
}

/** What is wrong with the spec: each a button that moves the editor's cursor to its line. */
function Findings({ marked, checking, onReveal }: { marked: Marked[]; checking: boolean; onReveal: (f: Finding) => void }) {
  if (!marked.length) {
    return (
      <p class="muted small findings-none" data-testid="spec-ok">
        {checking ? 'Checking…' : 'No problems found in the spec.'}
      </p>
    );
  }
  return (
    <ul class="findings" aria-label="Problems in the spec">
      {marked.map((f) => (
        <li class={f.source}>
          <button type="button" class="finding" onClick={() => onReveal(f)}>
            <span class="where">line {f.line}</span> <code>{f.pointer || '/'}</code> {f.message}
            {f.source === 'server' ? <span class="badge bad">refused by the server</span> : null}
          </button>
        </li>
      ))}
    </ul>
  );
}

let stepModels = 0;

/** A step's code in its own editor: TypeScript knows `ctx` from slipway.d.ts; SQL is highlighted. */
function StepEditor({ monaco, label, language, value, onChange }: { monaco: Monaco; label: string; language: CodeLanguage; value: string; onChange: (text: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Editor>();
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => {
    const extension = { typescript: 'ts', javascript: 'js', sql: 'sql' }[language];
    const model = monaco.editor.createModel(value, language, monaco.Uri.parse(`file:///steps/step-${++stepModels}.${extension}`));
    const e = monaco.editor.create(host.current!, { ...OPTIONS, model, ariaLabel: label });
    e.onDidChangeModelContent(() => change.current(model.getValue()));
    editor.current = e;
    return () => {
      e.dispose();
      model.dispose();
    };
  }, []);
  useEffect(() => {
    // while it is typed in, this editor is the source: the spec's reading of it comes back the same
    // or a keystroke late, and writing that back would fight the typing
    const e = editor.current;
    const model = e?.getModel();
    if (e && model && !e.hasTextFocus() && model.getValue() !== value) model.pushEditOperations([], [{ range: model.getFullModelRange(), text: value }], () => null);
  }, [value]);
  return <div ref={host} class="editor-host step-host" data-testid="step-editor" data-language={language} aria-describedby="editor-keys" />;
}
