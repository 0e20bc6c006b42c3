// Templates: the gallery, and a template's page: its config as a form generated from the config's
// JSON Schema beside the same config as raw JSON (either may be edited), the bundle it makes shown
// first (POST /api/create-endpoint with dryRun: nothing saved, no migration run), then created as
// drafts (the migration runs, the drafts are saved and their tests run) and, for admins, deployed.
import { useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { ApiError, get, post } from '../api';
import { href } from '../router';
import { can } from '../session';
import { SchemaForm, initial, type Schema } from '../schemaform';
import { DeployDrafts, PassCount, TestResults } from '../drafts';
import { Page, ProblemView, Show, pretty, toApiError, useLoad } from '../ui';
import './templates.css';

type Template = { name: string; description: string; configSchema: Schema; example?: unknown };
type Spec = { name: string; method: string; path: string; description?: string };
/** What POST /api/create-endpoint answers (a dry run: no test results, versions or release). */
type Bundle = {
  endpointUrl: string;
  specs: Spec[];
  sql: { migration: string; applied: boolean };
  openapi: unknown;
  explanation: string;
  tests: { name: string; method: string; path: string; status: number; role?: string }[];
  testResults: { name: string; passed: boolean; status: number; detail: string }[];
  versions: { name: string; version: number; created: boolean }[];
  release?: { id: number } | null;
};

export default function Templates({ name }: { name?: string }) {
  // a page of its own per template: nothing of one template's config is kept for another
  return name ? <TemplatePage key={name} name={name} /> : <Gallery />;
}

function Gallery() {
  const loaded = useLoad(() => get<Template[]>('/api/templates'));
  return (
    <Page title="Templates">
      <p class="muted">A template makes a set of endpoints, their migration, tests and OpenAPI from a short config.</p>
      <Show loaded={loaded}>
        {(all) =>
          all.length ? (
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
          ) : (
            <p class="empty">No templates.</p>
          )
        }
      </Show>
    </Page>
  );
}

function TemplatePage({ name }: { name: string }) {
  const loaded = useLoad(() => get<Template>(`/api/templates/${encodeURIComponent(name)}`), [name]);
  return (
    <Page title={name} actions={<a class="button" href={href('templates')}>All templates</a>}>
      <Show loaded={loaded}>{(template) => <TemplateForm template={template} />}</Show>
    </Page>
  );
}

/** The template's defaults, with its example's values over them. */
function startingConfig(template: Template): unknown {
  const start = initial(template.configSchema);
  const example = template.example;
  if (example && typeof example === 'object' && start && typeof start === 'object') return { ...start, ...structuredClone(example) };
  return example !== undefined ? structuredClone(example) : start;
}

/** The 422's errors under /config, by their pointer within the config, for the form's fields. */
function configErrors(error?: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of error?.problem.errors ?? []) {
    if (v.path === '/config' || v.path.startsWith('/config/')) {
      const at = v.path.slice('/config'.length);
      out[at] = out[at] ? `${out[at]}; ${v.message}` : v.message;
    }
  }
  return out;
}

function TemplateForm({ template }: { template: Template }) {
  const [config, setConfig] = useState<unknown>(() => startingConfig(template));
  // the raw JSON as typed, while it is not JSON (else it follows the config)
  const [jsonText, setJsonText] = useState<string>();
  const [jsonError, setJsonError] = useState<string>();
  const [preview, setPreview] = useState<Bundle>();
  const [created, setCreated] = useState<Bundle>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState<'preview' | 'create'>();

  /** A changed config: the preview and the problem were of the old one. */
  const changed = (next: unknown) => {
    setConfig(next);
    setPreview(undefined);
    setCreated(undefined);
    setError(undefined);
  };
  const run = async (dryRun: boolean) => {
    setBusy(dryRun ? 'preview' : 'create');
    setError(undefined);
    try {
      const bundle = await post<Bundle>('/api/create-endpoint', { template: template.name, config, ...(dryRun ? { dryRun: true } : {}) });
      if (dryRun) setPreview(bundle);
      else setCreated(bundle);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <p>{template.description}</p>
      {!can('deploy') ? <p class="notice">Creating from a template may create a table, so it takes an admin or owner.</p> : null}
      <div class="template-edit">
        <form
          class="card"
          aria-label="Config"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void run(true);
          }}
        >
          <SchemaForm schema={template.configSchema} value={config} onChange={(v) => { setJsonText(undefined); setJsonError(undefined); changed(v); }} path="" label="Config" errors={configErrors(error)} />
          <div class="actions">
            <button class="primary" type="submit" disabled={!!busy || !!jsonError || !can('deploy')}>
              {busy === 'preview' ? 'Previewing…' : 'Preview the bundle'}
            </button>
          </div>
        </form>
        <div class="card raw-json">
          <label for="config-json" class="label">
            Config as JSON
          </label>
          <textarea
            id="config-json"
            rows={22}
            spellcheck={false}
            aria-describedby="config-json-state"
            value={jsonText ?? JSON.stringify(config, null, 2)}
            onInput={(e) => {
              const text = e.currentTarget.value;
              setJsonText(text);
              try {
                changed(JSON.parse(text));
                setJsonError(undefined);
              } catch (err) {
                setJsonError((err as Error).message);
              }
            }}
          />
          <small id="config-json-state" class={jsonError ? 'field-error' : 'muted'}>
            {jsonError ? `Not JSON yet (${jsonError}); the form shows the last JSON that read.` : 'Edit either side: the form and this JSON follow each other.'}
          </small>
        </div>
      </div>
      <ProblemView error={error} />
      {preview && !created ? <Preview bundle={preview} busy={busy === 'create'} onCreate={() => void run(false)} /> : null}
      {created ? <Created bundle={created} /> : null}
    </>
  );
}

/** The bundle as it would be made: endpoints, migration, tests, specs and OpenAPI; nothing saved yet. */
function Preview({ bundle, busy, onCreate }: { bundle: Bundle; busy: boolean; onCreate: () => void }) {
  return (
    <section class="card bundle" aria-label="Bundle" data-testid="bundle">
      <h2>What it makes</h2>
      <p class="notice">Nothing is created yet: this is a preview (a dry run). Creating it {bundle.sql.migration ? 'runs the migration below, ' : ''}saves the endpoints as drafts and runs their tests; nothing is deployed until you deploy.</p>
      <BundleParts bundle={bundle} />
      <div class="actions">
        <button class="primary" type="button" disabled={busy || !can('deploy')} onClick={onCreate}>
          {busy ? 'Creating…' : 'Create the drafts'}
        </button>
      </div>
    </section>
  );
}

function BundleParts({ bundle }: { bundle: Bundle }) {
  return (
    <>
      <p class="explanation">{bundle.explanation}</p>
      <h3>Endpoints</h3>
      <ul class="bundle-specs">
        {bundle.specs.map((s) => (
          <li>
            <code>
              {s.method} {s.path}
            </code>{' '}
            {s.name}
            {s.description ? <span class="muted small"> — {s.description}</span> : null}
          </li>
        ))}
      </ul>
      <h3>Migration</h3>
      {bundle.sql.migration ? <pre data-testid="migration">{bundle.sql.migration}</pre> : <p class="muted">None: the table exists.</p>}
      <h3>Tests</h3>
      <ul class="bundle-tests">
        {bundle.tests.map((t) => (
          <li>
            {t.name}:{' '}
            <code>
              {t.method} {t.path}
            </code>{' '}
            → {t.status}
            {t.role ? <span class="muted small"> as {t.role}</span> : null}
          </li>
        ))}
      </ul>
      <h3>Specs</h3>
      {bundle.specs.map((s) => (
        <details>
          <summary>
            {s.name} (YAML)
          </summary>
          <pre>{stringify(s)}</pre>
        </details>
      ))}
      <details>
        <summary>OpenAPI</summary>
        <pre>{pretty(bundle.openapi)}</pre>
      </details>
    </>
  );
}

/** The drafts made: their versions, test results, and a deploy of exactly those versions. */
function Created({ bundle }: { bundle: Bundle }) {
  return (
    <section class="card bundle" aria-label="Created" data-testid="created">
      <h2>Created as drafts</h2>
      <p class="notice">
        Saved as drafts{bundle.sql.applied ? ' and the migration ran' : ''}; nothing is deployed yet.
      </p>
      <ul class="created-versions">
        {bundle.versions.map((v) => (
          <li>
            <a href={href('endpoints', v.name)}>{v.name}</a> <span class="badge info">draft v{v.version}</span>
          </li>
        ))}
      </ul>
      <h3>
        Tests{' '}
        <PassCount results={bundle.testResults} />
      </h3>
      <TestResults results={bundle.testResults} />
      <DeployDrafts versions={bundle.versions} note={`template: ${bundle.endpointUrl}`} label="Deploy them" />
      <details>
        <summary>The bundle</summary>
        <BundleParts bundle={bundle} />
      </details>
    </section>
  );
}
