// The endpoint being edited, shared by its tabs (code, builder, test, versions): the editor's text
// in YAML or JSON, which may be ahead of the latest saved version, and that version as the server
// has it. The text is the one source of truth: the builder edits it through the YAML document
// (comments and order kept), the code editor edits it directly, so switching loses nothing.
import { parse, parseDocument, stringify } from 'yaml';
import type { ApiError } from '../api';

export type Format = 'yaml' | 'json';

export type VersionSummary = { version: number; hash: string; createdAt: string };

/** GET /api/endpoints/{name}: the latest version with its spec, the live version and every version. */
export type Saved = {
  name: string;
  version: number;
  hash: string;
  method: string;
  path: string;
  createdAt: string;
  previewUrl: string;
  spec: Spec;
  liveVersion: number | null;
  versions: VersionSummary[];
};

/** A spec as the schema at /api/schemas/endpoint.json describes it. */
export type Spec = {
  name?: string;
  description?: string;
  method?: string;
  path?: string;
  auth?: unknown;
  input?: Record<string, unknown>;
  steps?: Step[];
  response?: Record<string, unknown>;
  [more: string]: unknown;
};

export type Step = { id?: string; [field: string]: unknown };

export type Draft = { text: string; format: Format };

export type EndpointTabProps = {
  /** The endpoint's name; undefined while a new endpoint has never been saved. */
  name?: string;
  draft: Draft;
  setDraft: (draft: Draft) => void;
  /** The latest saved version, when there is one. */
  saved?: Saved;
  /** The last save's refusal (422 with each error's JSON pointer), to show where it points. */
  saveError?: ApiError;
  /** Loads the endpoint again (after a save, a deploy, a rollback). */
  reload: () => void;
  params: URLSearchParams;
};

export function toText(spec: unknown, format: Format): string {
  return format === 'json' ? JSON.stringify(spec, null, 2) + '\n' : stringify(spec, { lineWidth: 0 });
}

/** The draft's spec, or why it cannot be read. JSON is read as YAML too (YAML 1.2 holds it). */
export function readSpec(draft: Draft): { spec?: Spec; error?: string } {
  try {
    const value = draft.format === 'json' ? JSON.parse(draft.text) : parse(draft.text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'A spec is an object (name, method, path, steps, response).' };
    return { spec: value as Spec };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The draft in the other format, or the draft unchanged when it cannot be read. */
export function convert(draft: Draft, format: Format): Draft {
  if (draft.format === format) return draft;
  const { spec } = readSpec(draft);
  return spec ? { text: toText(spec, format), format } : draft;
}

/**
 * Applies `edit` to the draft's spec as a YAML document (so a YAML draft keeps its comments and
 * key order) and answers the new draft in the same format.
 */
export function editDraft(draft: Draft, edit: (doc: ReturnType<typeof parseDocument>) => void): Draft {
  const doc = parseDocument(draft.text);
  if (doc.errors.length) throw new Error(doc.errors[0].message);
  edit(doc);
  if (draft.format === 'json') return { text: JSON.stringify(doc.toJS(), null, 2) + '\n', format: 'json' };
  return { text: doc.toString({ lineWidth: 0 }), format: 'yaml' };
}

export const STARTER: Spec = {
  name: 'hello',
  description: 'Says hello to the name in the query.',
  method: 'GET',
  path: '/api/hello',
  input: { query: { name: { type: 'string', maxLength: 100 } } },
  steps: [
    {
      id: 'greet',
      script: "const name = ctx.input.query.name ?? 'world';\nreturn { message: `Hello, ${name}!` };\n",
    },
  ],
  response: { body: '${steps.greet}' },
};

/** A value with its object keys sorted, so two specs compare by content rather than key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/** Whether the draft holds the saved spec (comments, key order and format aside). */
export function sameSpec(draft: Draft, saved: Spec): boolean {
  const { spec } = readSpec(draft);
  return !!spec && JSON.stringify(canonical(spec)) === JSON.stringify(canonical(saved));
}
