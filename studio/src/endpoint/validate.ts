// Checks a draft as it is typed: its YAML or JSON syntax, then the spec's JSON Schema (the one the
// server publishes at /api/schemas/endpoint.json). The validator is @cfworker/json-schema, which
// interprets the schema instead of compiling it to code (Ajv compiles with `new Function`, which the
// page's CSP refuses). Every finding carries the JSON pointer it is about and the place in the text
// that pointer names (pointerRange), so the editor can mark it; the server's 422s are placed the same way.
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Format } from './model';

/** A place in the text: 1-based lines and columns, as Monaco counts them. */
export type Range = { line: number; column: number; endLine: number; endColumn: number };
export type Finding = Range & { pointer: string; message: string };

type Schema = { [keyword: string]: unknown };

let loaded: Promise<{ schema: Schema; validator: Validator }> | undefined;

/** The spec's schema, fetched once. */
function specSchema() {
  loaded ??= fetch('/api/schemas/endpoint.json')
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`endpoint.json: ${r.status}`))))
    .then((schema: Schema) => ({ schema, validator: new Validator(schema, '2020-12', false) }));
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/** The path segments of a JSON pointer (`/steps/0/sql` → ['steps', 0, 'sql']). */
export function segments(pointer: string): (string | number)[] {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Where in the text (YAML, or JSON, which YAML reads too) the value a JSON pointer names is: a
 * member from its key on, an item from its start; the nearest parent that exists when the value
 * does not. Only the first line of a long value, so that a marker does not cover a whole block.
 */
export function pointerRange(text: string, pointer: string): Range {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  let node: unknown = doc.contents;
  let range = (node as Node | null)?.range?.slice(0, 2) ?? [0, 0];
  for (const part of segments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      const key = pair.key as Node;
      node = pair.value;
      range = [key.range![0], ((pair.value as Node | null)?.range ?? key.range!)[1]];
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part];
      range = (node as Node).range?.slice(0, 2) ?? range;
    } else break;
  }
  const [start, end] = range;
  const lineEnd = text.indexOf('\n', start);
  return span(lines.linePos(start), lines.linePos(lineEnd < 0 ? end : Math.min(end, lineEnd)));
}

function span(from: { line: number; col: number }, to: { line: number; col: number }): Range {
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.line === from.line ? Math.max(to.col, from.col + 1) : to.col };
}

/** The line and column of an offset in the text. */
function at(text: string, offset: number) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** The draft's value, or its syntax errors placed in the text. */
function read(text: string, format: Format): { value?: unknown; errors?: Finding[] } {
  if (format === 'json') {
    try {
      return { value: JSON.parse(text) };
    } catch (e) {
      const message = (e as Error).message;
      const offset = Number(/position (\d+)/.exec(message)?.[1] ?? text.length);
      const place = at(text, Math.min(offset, text.length));
      return { errors: [{ pointer: '', message: message.replace(/ in JSON at position.*/, ''), ...span(place, place) }] };
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    return {
      errors: doc.errors.map((e) => ({ pointer: '', message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), ...span(lines.linePos(e.pos[0]), lines.linePos(e.pos[1])) })),
    };
  }
  return { value: doc.toJS() };
}

/** The subschema a keyword's location (`#/properties/steps/items/$ref/additionalProperties`) is in. */
function subschemaAt(root: Schema, keywordLocation: string): Schema {
  const parts = keywordLocation.replace(/^#\//, '').split('/').slice(0, -1);
  let node: Schema = root;
  for (const part of parts) {
    const next = part === '$ref' ? resolve(root, node.$ref as string) : (node as Record<string, unknown>)[part];
    if (!next || typeof next !== 'object') return {};
    node = next as Schema;
  }
  return node;
}

function resolve(root: Schema, ref: string): unknown {
  return segments(ref).reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
}

/** The validator's wrappers: a keyword that only says something under it failed. */
const WRAPPERS = new Set(['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems', '$ref', 'allOf', 'if', 'then', 'else']);

/** What a failed keyword means, in words. */
function explain(error: OutputUnit, schema: Schema): string {
  const sub = subschemaAt(schema, error.keywordLocation);
  const list = (values: unknown) => ([] as unknown[]).concat(values).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  switch (error.keyword) {
    case 'false':
      return `unknown field "${segments(error.instanceLocation).pop()}"`;
    case 'enum':
      return `must be one of ${list(sub.enum)}`;
    case 'const':
      return `must be ${list(sub.const)}`;
    case 'type':
      return `must be of type ${([] as unknown[]).concat(sub.type).join(' or ')}`;
    case 'required':
      return `needs the field "${/property "(.+)"/.exec(error.error)?.[1]}"`;
    case 'pattern':
      return `${typeof sub.description === 'string' ? sub.description.split('. ')[0].replace(/\.$/, '') + ': ' : ''}must match ${sub.pattern}`;
    default:
      return error.error;
  }
}

/**
 * The schema's findings: the deepest failures only (not the wrappers above them). An anyOf or oneOf
 * that nothing matched says what each of its forms asked for at that place.
 */
function schemaFindings(errors: OutputUnit[], schema: Schema): { pointer: string; message: string }[] {
  const choices = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const inChoice = (e: OutputUnit) => choices.some((c) => c !== e && c.instanceLocation === e.instanceLocation && e.keywordLocation.startsWith(c.keywordLocation + '/'));
  return errors
    .filter((e) => !WRAPPERS.has(e.keyword) && !inChoice(e))
    .map((e) => {
      const pointer = e.instanceLocation.replace(/^#/, '');
      if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return { pointer, message: explain(e, schema) };
      const forms = errors.filter((b) => b !== e && !WRAPPERS.has(b.keyword) && b.instanceLocation === e.instanceLocation && b.keywordLocation.startsWith(e.keywordLocation + '/'));
      return { pointer, message: `matches none of its forms${forms.length ? ` (${forms.map((b) => explain(b, schema)).join('; or ')})` : ''}` };
    });
}

/** Syntax and schema findings of a draft's text, in the order of their lines. */
export async function check(text: string, format: Format): Promise<Finding[]> {
  const { value, errors } = read(text, format);
  if (errors) return errors;
  const { schema, validator } = await specSchema();
  const result = validator.validate(value);
  if (result.valid) return [];
  const seen = new Set<string>();
  return schemaFindings(result.errors, schema)
    .filter((f) => !seen.has(f.pointer + f.message) && !!seen.add(f.pointer + f.message))
    .slice(0, 20)
    .map((f) => ({ ...f, ...pointerRange(text, f.pointer) }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
