// Checks a draft as it is typed: YAML/JSON syntax, then the spec's JSON Schema (the one the server
// publishes at /api/schemas/endpoint.json), with a validator that needs no `eval` (the page's CSP
// allows none). Every finding carries the JSON pointer it is about and the lines that pointer
// names in the text, so the editor can mark them; the server's 422s are placed the same way.
import { Validator } from '@cfworker/json-schema';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export type Finding = { pointer: string; message: string; line: number; column: number; endLine: number; endColumn: number };

let validator: Promise<Validator> | undefined;

function schemaValidator(): Promise<Validator> {
  validator ??= fetch('/api/schemas/endpoint.json')
    .then((r) => r.json())
    .then((schema) => new Validator(schema, '2020-12', false));
  return validator;
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
 * The place in the text of the value a pointer names (or of its nearest parent that exists):
 * 1-based lines and columns, as Monaco counts them.
 */
export function locate(text: string, pointer: string): Omit<Finding, 'pointer' | 'message'> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  let node: unknown = doc.contents;
  let range: [number, number] | undefined = (doc.contents as Node | null)?.range?.slice(0, 2) as [number, number] | undefined;
  for (const part of segments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      const key = pair.key as Node;
      node = pair.value;
      const value = pair.value as Node | null;
      range = [key.range![0], (value?.range ?? key.range!)[1]];
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part];
      range = (node as Node).range?.slice(0, 2) as [number, number];
    } else break;
  }
  const [start, end] = range ?? [0, 0];
  const from = lines.linePos(start);
  // mark the first line of a long value only, so a marker does not cover a whole block
  const to = lines.linePos(Math.max(start, Math.min(end, text.indexOf('\n', start) < 0 ? end : text.indexOf('\n', start))));
  return { line: from.line, column: from.col, endLine: to.line, endColumn: Math.max(to.col, from.col + 1) };
}

/** Syntax and schema findings of a draft's text. */
export async function check(text: string): Promise<Finding[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    return doc.errors.map((e) => {
      const from = lines.linePos(e.pos[0]);
      const to = lines.linePos(e.pos[1]);
      return { pointer: '', message: e.message.split('\n')[0], line: from.line, column: from.col, endLine: to.line, endColumn: Math.max(to.col, from.col + 1) };
    });
  }
  const value = doc.toJS();
  const result = (await schemaValidator()).validate(value);
  if (result.valid) return [];
  // the validator reports each failed keyword on the way down; the deepest say what is wrong
  const WRAPPERS = ['properties', 'items', '$ref', 'allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'false'];
  const deepest = result.errors.filter((e) => !WRAPPERS.includes(e.keyword));
  const chosen = deepest.length ? deepest : result.errors.filter((e) => e.keyword !== 'false');
  const seen = new Set<string>();
  return chosen
    .map((e) => {
      const at = e.instanceLocation.replace(/^#/, '');
      const unknown = e.keyword === 'additionalProperties' && /Property "(.+)" does not/.exec(e.error);
      return unknown ? { pointer: `${at}/${unknown[1]}`, message: `unknown field "${unknown[1]}"` } : { pointer: at, message: e.error };
    })
    .filter((e) => !seen.has(e.pointer + e.message) && !!seen.add(e.pointer + e.message))
    .slice(0, 20)
    .map((e) => ({ ...e, ...locate(text, e.pointer) }));
}
