// Monaco, bundled with the Studio (never from a CDN) and imported only by the code tab, with
// `import()`, when it first opens. The editor's core, the features an editor of specs and scripts
// uses and the languages it shows (YAML, JSON, TypeScript, SQL) load first; Monaco's TypeScript and
// JSON services bring its other features in a later chunk when a script or a JSON spec opens. The
// features are imported here, not left to those services, because a feature only joins the editors
// created after it loaded. The workers are files of the build, so the page's CSP (`worker-src
// 'self'`) admits them, and nothing here needs `eval`. Script steps get IntelliSense from the
// declarations the server publishes at /api/schemas/slipway.d.ts, which declare `ctx`.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/features/codicon/register.js';
import 'monaco-editor/features/suggest/register.js';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/editor/contrib/snippet/browser/snippetController2.js';
import 'monaco-editor/editor/contrib/gotoError/browser/markerSelectionStatus.js';
import 'monaco-editor/editor/browser/coreCommands.js';
import 'monaco-editor/features/hover/register.js';
import 'monaco-editor/features/parameterHints/register.js';
import 'monaco-editor/features/toggleTabFocusMode/register.js';
import 'monaco-editor/features/find/register.js';
import 'monaco-editor/features/gotoError/register.js';
import 'monaco-editor/features/bracketMatching/register.js';
import 'monaco-editor/features/clipboard/register.js';
import 'monaco-editor/features/comment/register.js';
import 'monaco-editor/features/contextmenu/register.js';
import 'monaco-editor/features/cursorUndo/register.js';
import 'monaco-editor/features/folding/register.js';
import 'monaco-editor/features/indentation/register.js';
import 'monaco-editor/features/linesOperations/register.js';
import 'monaco-editor/features/multicursor/register.js';
import 'monaco-editor/features/wordHighlighter/register.js';
import 'monaco-editor/features/wordOperations/register.js';
import 'monaco-editor/languages/definitions/yaml/register.js';
import 'monaco-editor/languages/definitions/sql/register.js';
import 'monaco-editor/languages/definitions/typescript/register.js';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register.js';
import * as typescript from 'monaco-editor/languages/features/typescript/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker.js?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker.js?worker';

export type Monaco = typeof monaco;

(self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    if (label === 'json') return new JsonWorker();
    return new EditorWorker();
  },
};

// the spec's own checks (validate.ts) mark a JSON spec's mistakes, so the JSON service does not too
jsonDefaults.setDiagnosticsOptions({ validate: false });

// a script step is the body of `async function (ctx)`: ES2022 without the DOM, where a top-level
// `return` (1108) and `await` (1375, 1378) are fine; its `import`s (zod) are not typed here
const scripts = [typescript.typescriptDefaults, typescript.javascriptDefaults];
for (const defaults of scripts) {
  defaults.setCompilerOptions({ target: typescript.ScriptTarget.ES2020, lib: ['es2022'], allowNonTsExtensions: true, allowJs: true, strict: false });
  defaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false, diagnosticCodesToIgnore: [1108, 1375, 1378] });
  defaults.addExtraLib("declare module 'zod';", 'file:///zod.d.ts');
}

let typesAdded: Promise<void> | undefined;

/** Monaco, once the script declarations are in its TypeScript service. */
export function loadMonaco(): Promise<Monaco> {
  typesAdded ??= fetch('/api/schemas/slipway.d.ts')
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`slipway.d.ts: ${r.status}`))))
    .then((declarations) => scripts.forEach((defaults) => defaults.addExtraLib(declarations, 'file:///slipway.d.ts')))
    // without the declarations scripts are still edited, only without `ctx`'s types
    .catch(() => undefined);
  return typesAdded.then(() => monaco);
}
