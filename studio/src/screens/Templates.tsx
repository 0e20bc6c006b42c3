// Templates: the gallery, and a template's config as a form generated from its JSON Schema (or as
// JSON), the bundle it makes shown before anything is created (a dry run), then created as
// drafts and, for admins, deployed.
import { useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { ApiError, get, post } from '../api';
import { href } from '../router';
import { SchemaForm, initial, type Schema } from '../schemaform';
import { DeployDrafts, TestResults } from '../drafts';
import { Page, ProblemView, Show, pretty, toApiError, useLoad } from '../ui';
import './templates.css';

type Template = { name: string; description: string; configSchema: Schema; example?: unknown };
type Bundle = {
  endpointUrl: string;
  specs: { name: string; method: string; path: string }[];
  sql: { migration: string; applied: boolean };
  openapi: unknown;
  explanation: string;
  tests: { name: string; method: string; path: string; status: number }[];
  testResults: { name: string; passed: boolean; status: number; detail: string }[];
  versions: { name: string; version: number }[];
  release?: { id: number } | null;
};

export default function Templates({ name }: { name?: string }) {
  const loaded = useLoad(() => get<Template[]>('/api/templates'));
  if (name) return <Show loaded={loaded}>{(all) => <TemplatePage template={all.find((t) => t.name === name)} />}</Show>;
  return (
    <Page title="Templates">
      <Show loaded={loaded}>
        {(all) => (
          <div class="grid">
            {all.map((t) => (
              <article class="card template-card">
                <h2>{t.name}</h2>
                <p>{t.description}</p>
                <a class="button primary" href={href('templates', t.name)} aria-label={`Use ${t.name}`}>
                  Use this template
                </a>
              </article>
            ))}
          </div>
        )}
      </Show>
    </Page>
  );
}

function TemplatePage({ template }: { template?: Template }) {
  const [config, setConfig] = useState<unknown>(() => (template ? (template.example ? structuredClone(template.example) : initial(template.configSchema)) : {}));
  const [jsonText, setJsonText] = useState<string>();
  const [bundle, setBundle] = useState<Bundle>();
  const [created, setCreated] = useState<Bundle>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  if (!template) return <Page title="Template"><p role="alert">No such template.</p></Page>;

  const errors = Object.fromEntries((error?.problem.errors ?? []).map((v) => [v.path.replace(/^\/config/, ''), v.message]));
  const run = async (body: Record<string, unknown>, then: (b: Bundle) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      then(await post<Bundle>('/api/create-endpoint', { template: template.name, config, ...body }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const edit = (next: unknown) => {
    setConfig(next);
    setJsonText(undefined);
    setBundle(undefined);
    setCreated(undefined);
  };
  return (
    <Page title={template.name} actions={<a class="button" href={href('templates')}>All templates</a>}>
      <p>{template.description}</p>
      <div class="split">
        <form
          class="card"
          aria-label="Config"
          onSubmit={(e) => {
            e.preventDefault();
            void run({ dryRun: true }, setBundle);
          }}
        >
          <SchemaForm schema={template.configSchema} value={config} onChange={edit} path="" label="Config" errors={errors} />
          <div class="actions">
            <button class="primary" type="submit" disabled={busy}>
              Preview the bundle
            </button>
          </div>
        </form>
        <div class="card">
          <label for="config-json" class="label">
            Config as JSON
          </label>
          <textarea
            id="config-json"
            rows={18}
            value={jsonText ?? JSON.stringify(config, null, 2)}
            onInput={(e) => {
              const text = e.currentTarget.value;
              setJsonText(text);
              try {
                setConfig(JSON.parse(text));
              } catch {
                // keep the text until it is JSON again
              }
            }}
          />
        </div>
      </div>
      <ProblemView error={error} />
      {bundle && !created ? (
        <section class="bundle" aria-label="Bundle" data-testid="bundle">
          <h2>What it makes</h2>
          <p>{bundle.explanation}</p>
          <p class="muted">Nothing is created yet: this is a preview. {bundle.sql.migration ? 'Creating it also runs the migration below.' : ''}</p>
          <h3>Endpoints</h3>
          <ul>
            {bundle.specs.map((s) => (
              <li>
                <code>
                  {s.method} {s.path}
                </code>{' '}
                {s.name}
              </li>
            ))}
          </ul>
          {bundle.sql.migration ? (
            <>
              <h3>Migration</h3>
              <pre data-testid="migration">{bundle.sql.migration}</pre>
            </>
          ) : null}
          <h3>Tests</h3>
          <ul>
            {bundle.tests.map((t) => (
              <li>
                {t.name}: <code>{t.method} {t.path}</code> → {t.status}
              </li>
            ))}
          </ul>
          <details>
            <summary>Specs (YAML)</summary>
            <pre>{bundle.specs.map((s) => stringify(s)).join('---\n')}</pre>
          </details>
          <details>
            <summary>OpenAPI</summary>
            <pre>{pretty(bundle.openapi)}</pre>
          </details>
          <div class="actions">
            <button class="primary" type="button" disabled={busy} onClick={() => void run({}, setCreated)}>
              {busy ? 'Creating…' : 'Create the drafts'}
            </button>
          </div>
        </section>
      ) : null}
      {created ? <Created bundle={created} /> : null}
    </Page>
  );
}

function Created({ bundle }: { bundle: Bundle }) {
  const passed = bundle.testResults.filter((r) => r.passed).length;
  return (
    <section class="card" aria-label="Created" data-testid="created">
      <h2>Created as drafts</h2>
      <p>
        {bundle.versions.map((v) => (
          <a class="badge info" href={href('endpoints', v.name)}>
            {v.name} v{v.version}
          </a>
        ))}
      </p>
      <p>
        Tests: <span class={`badge ${passed === bundle.testResults.length ? 'good' : 'bad'}`}>{passed} of {bundle.testResults.length} passed</span>
        {bundle.sql.applied ? <span class="badge info">migration applied</span> : null}
      </p>
      <TestResults results={bundle.testResults} />
      <DeployDrafts versions={bundle.versions} note={`template: ${bundle.endpointUrl}`} label="Deploy them" />
    </section>
  );
}
