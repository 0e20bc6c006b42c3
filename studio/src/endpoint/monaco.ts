// Monaco, bundled with the Studio (never from a CDN) and loaded only when an editor first opens.
// Its workers are files of the build, so the page's CSP (`worker-src 'self'`) admits them. Script
// steps get IntelliSense from the declarations the server publishes (/api/schemas/slipway.d.ts).
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker.js?worker';

export type Monaco = typeof monaco;

(self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker();
  },
};

let typesAdded: Promise<void> | undefined;

/** Monaco with the script declarations added to its TypeScript service (once). */
export function withScriptTypes(): Promise<Monaco> {
  typesAdded ??= fetch('/api/schemas/slipway.d.ts')
    .then((r) => r.text())
    .then((declarations) => {
      const ts = monaco.typescript.typescriptDefaults;
      ts.setCompilerOptions({ target: monaco.typescript.ScriptTarget.ESNext, allowNonTsExtensions: true, strict: false, noLib: false, lib: ['es2022'] });
      ts.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false,
        // a script is a function body: a top-level return and await are fine
        diagnosticCodesToIgnore: [1108, 1375, 1378], });
      // the declarations name `ctx` and `console` as a script sees them
      ts.addExtraLib(declarations, 'file:///slipway.d.ts');
    });
  return typesAdded.then(() => monaco);
}

export { monaco };
