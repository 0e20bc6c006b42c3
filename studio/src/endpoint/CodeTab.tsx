// The code editor: the spec in YAML or JSON in Monaco, checked against the spec's JSON Schema as
// it is typed, the server's refusals of a save marked at the lines their JSON pointers name, and a
// second editor for a step's TypeScript (with IntelliSense from slipway.d.ts) or SQL.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { editor as MonacoEditor } from 'monaco-editor';
import { convert, editDraft, readSpec, type EndpointTabProps, type Format } from './model';
import { check, locate, type Finding } from './validate';
import { withScriptTypes, type Monaco } from './monaco';
import './code.css';

type Marked = Finding & { source: 'schema' | 'server' };

export default function CodeTab({ draft, setDraft, saveError }: EndpointTabProps) {
  const host = useRef<HTMLDivElement>(null);
  const [monaco, setMonaco] = useState<Monaco>();
  const editor = useRef<MonacoEditor.IStandaloneCodeEditor>();
  const latest = useRef(draft);
  latest.current = draft;
  const [findings, setFindings] = useState<Finding[]>([]);
  const [stepIndex, setStepIndex] = useState<number>();

  // Monaco loads once, with the spec's editor
  useEffect(() => {
    let disposed = false;
    void withScriptTypes().then((m) => {
      if (disposed || !host.current) return;
      const e = m.editor.create(host.current, {
        value: latest.current.text,
        language: latest.current.format,
        automaticLayout: true,
        minimap: { enabled: false },
        tabSize: 2,
        scrollBeyondLastLine: false,
        ariaLabel: 'Endpoint spec',
        fixedOverflowWidgets: true,
      });
      e.onDidChangeModelContent(() => {
        const text = e.getValue();
        if (text !== latest.current.text) setDraft({ text, format: latest.current.format });
      });
      editor.current = e;
      setMonaco(m);
    });
    return () => {
      disposed = true;
      editor.current?.getModel()?.dispose();
      editor.current?.dispose();
    };
  }, []);

  // the draft changed elsewhere (the builder, a format switch, a reload): show it
  useEffect(() => {
    const e = editor.current;
    if (!e || !monaco) return;
    const model = e.getModel()!;
    if (model.getLanguageId() !== draft.format) monaco.editor.setModelLanguage(model, draft.format);
    if (!e.hasTextFocus() && model.getValue() !== draft.text) model.pushEditOperations([], [{ range: model.getFullModelRange(), text: draft.text }], () => null);
  }, [draft.text, draft.format, monaco]);

  // checked as typed, 300 ms after the last key
  useEffect(() => {
    const timer = setTimeout(() => void check(draft.text).then(setFindings, () => setFindings([])), 300);
    return () => clearTimeout(timer);
  }, [draft.text]);

  const serverFindings: Finding[] = (saveError?.problem.errors ?? []).map((v) => ({ pointer: v.path, message: v.message, ...locate(draft.text, v.path) }));
  const marked: Marked[] = [...findings.map((f) => ({ ...f, source: 'schema' as const })), ...serverFindings.map((f) => ({ ...f, source: 'server' as const }))];

  useEffect(() => {
    const model = editor.current?.getModel();
    if (!model || !monaco) return;
    monaco.editor.setModelMarkers(
      model,
      'slipway',
      marked.map((f) => ({
        severity: monaco.MarkerSeverity.Error,
        message: `${f.pointer || '/'}: ${f.message}${f.source === 'server' ? ' (refused by the server)' : ''}`,
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

  const switchFormat = (format: Format) => setDraft(convert(draft, format));
  const steps = readSpec(draft).spec?.steps ?? [];
  const step = stepIndex !== undefined ? steps[stepIndex] : undefined;

  return (
    <div class="code-tab">
      <div class="toolbar">
        <span class="muted small">Format</span>
        <div role="group" aria-label="Format" class="segmented">
          {(['yaml', 'json'] as const).map((f) => (
            <button type="button" aria-pressed={draft.format === f} class={draft.format === f ? 'on' : ''} onClick={() => switchFormat(f)}>
              {f.toUpperCase()}
            </button>
          ))}
        </div>
        <span class="muted small">Esc then Tab leaves the editor (Ctrl+M switches Tab trapping).</span>
      </div>
      <div ref={host} class="editor-host" data-testid="spec-editor" />
      {!monaco ? <p class="muted" role="status">Loading the editor…</p> : null}
      <div class="findings" aria-live="polite">
        {marked.length === 0 ? (
          <p class="muted small" data-testid="spec-ok">
            No problems found in the spec.
          </p>
        ) : (
          <ul aria-label="Problems in the spec">
            {marked.map((f) => (
              <li class={f.source}>
                <button type="button" class="link" onClick={() => reveal(f)}>
                  line {f.line}
                </button>{' '}
                <code>{f.pointer || '/'}</code> {f.message}
                {f.source === 'server' ? <span class="badge bad">server</span> : null}
              </li>
            ))}
          </ul>
        )}
      </div>
      {steps.length ? (
        <section class="step-code">
          <h2>Step code</h2>
          <div class="toolbar" role="group" aria-label="Steps">
            {steps.map((s, i) =>
              typeof s.script === 'string' || typeof s.sql === 'string' ? (
                <button type="button" aria-pressed={i === stepIndex} class={i === stepIndex ? 'on' : ''} onClick={() => setStepIndex(i === stepIndex ? undefined : i)}>
                  {typeof s.script === 'string' ? 'TypeScript' : 'SQL'}: {String(s.id ?? i)}
                </button>
              ) : null,
            )}
          </div>
          {step && monaco && stepIndex !== undefined ? (
            <StepEditor
              key={`${stepIndex}-${typeof step.script === 'string' ? 'ts' : 'sql'}`}
              monaco={monaco}
              label={`Code of step ${String(step.id ?? stepIndex)}`}
              language={typeof step.script === 'string' ? 'typescript' : 'sql'}
              value={String(step.script ?? step.sql ?? '')}
              onChange={(text) => {
                const field = typeof step.script === 'string' ? 'script' : 'sql';
                try {
                  setDraft(editDraft(latest.current, (doc) => doc.setIn(['steps', stepIndex, field], text)));
                } catch {
                  // the spec does not parse just now: its editor shows why
                }
              }}
            />
          ) : null}
        </section>
      ) : null}
    </div>
  );
}

let stepModels = 0;

/** A step's code in its own editor: TypeScript knows `ctx` from slipway.d.ts; SQL is highlighted. */
function StepEditor({ monaco, label, language, value, onChange }: { monaco: Monaco; label: string; language: 'typescript' | 'sql'; value: string; onChange: (text: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<MonacoEditor.IStandaloneCodeEditor>();
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => {
    const uri = monaco.Uri.parse(`file:///step-${++stepModels}.${language === 'typescript' ? 'ts' : 'sql'}`);
    const model = monaco.editor.createModel(value, language, uri);
    const e = monaco.editor.create(host.current!, { model, automaticLayout: true, minimap: { enabled: false }, tabSize: 2, ariaLabel: label, scrollBeyondLastLine: false, fixedOverflowWidgets: true });
    e.onDidChangeModelContent(() => change.current(e.getValue()));
    editor.current = e;
    return () => {
      e.dispose();
      model.dispose();
    };
  }, []);
  useEffect(() => {
    // while it is typed in, the editor is the source: the spec's reading of it may differ (YAML
    // block scalars keep no trailing spaces), and writing that back would fight the typing
    const e = editor.current;
    const model = e?.getModel();
    if (model && !e!.hasTextFocus() && model.getValue() !== value) model.pushEditOperations([], [{ range: model.getFullModelRange(), text: value }], () => null);
  }, [value]);
  return <div ref={host} class="editor-host step-host" data-testid="step-editor" data-language={language} />;
}
