// The test console's request as its form holds it, and what that becomes: the preview URL, the
// headers (the endpoint's own credentials in X-Slipway-Authorization, since Authorization and the
// cookie are the platform's), the body, and a test case for POST /api/tests/run. No rendering here.
import type { Body } from '../api';
import type { Spec } from './model';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export type Pair = { name: string; value: string };

/** Who calls: no one, a consumer key (X-API-Key) or a bearer JWT. */
export type CallAs = 'nobody' | 'key' | 'jwt';

export type ConsoleRequest = {
  method: string;
  params: Record<string, string>;
  query: Pair[];
  headers: Pair[];
  body: string;
  callAs: CallAs;
};

/** A test case as POST /api/tests/run and the templates' bundles hold them. */
export type TestCase = { name: string; method: string; path: string; status: number; body?: unknown; [more: string]: unknown };

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `/api/teams/:teamId/members` → ['teamId'] */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

/** The spec's path with each parameter's value (encoded); a parameter with none stays `:name`. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, p: string) => (params[p] ? encodeURIComponent(params[p]) : whole));
}

/** The query string of the rows with a name and a value, without "?". */
export function queryString(rows: Pair[]): string {
  const q = new URLSearchParams();
  for (const r of rows) if (r.name.trim() && r.value !== '') q.append(r.name.trim(), r.value);
  return q.toString();
}

/** The request's path and query, as a test case or the data plane takes it. */
export function target(spec: Spec, request: ConsoleRequest): string {
  const qs = queryString(request.query);
  return fillPath(String(spec.path ?? '/'), request.params) + (qs ? `?${qs}` : '');
}

/** What keeps the request from being sent, or undefined. */
export function problemOf(spec: Spec, request: ConsoleRequest, credential: string): string | undefined {
  const missing = pathParams(String(spec.path ?? '')).filter((p) => !request.params[p]);
  if (missing.length) return `Fill in the path parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`;
  const bad = request.headers.find((h) => h.name.trim() && !HEADER_NAME.test(h.name.trim()));
  if (bad) return `"${bad.name}" is not a header name.`;
  if (request.callAs !== 'nobody' && !credential.trim()) return request.callAs === 'key' ? 'Paste a consumer key, or call as nobody.' : 'Paste a JWT, or call as nobody.';
  return undefined;
}

/**
 * The headers of a traced preview: the rows (an Authorization row is the endpoint's, so it moves
 * to X-Slipway-Authorization) and the caller's credential.
 */
export function requestHeaders(request: ConsoleRequest, credential: string): Record<string, string> {
  const headers: Record<string, string> = { 'X-Slipway-Trace': '1' };
  for (const h of request.headers) {
    const name = h.name.trim();
    if (!name) continue;
    headers[name.toLowerCase() === 'authorization' ? 'X-Slipway-Authorization' : name] = h.value;
  }
  const token = credential.trim();
  if (request.callAs === 'key') headers['X-API-Key'] = token;
  if (request.callAs === 'jwt') headers['X-Slipway-Authorization'] = `Bearer ${token.replace(/^Bearer\s+/i, '')}`;
  return headers;
}

/** The body as typed, with the content type of a Content-Type row or JSON; none for GET. */
export function requestBody(request: ConsoleRequest): Body {
  if (request.method === 'GET' || !request.body.trim()) return undefined;
  const type = request.headers.find((h) => h.name.trim().toLowerCase() === 'content-type')?.value;
  return { text: request.body, contentType: type || 'application/json' };
}

/** Whether a body typed as JSON is not JSON (a hint; it is sent as typed). */
export function bodyError(request: ConsoleRequest): string | undefined {
  if (request.method === 'GET' || !request.body.trim()) return undefined;
  try {
    JSON.parse(request.body);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The request as a test case that expects `status`. */
export function testCase(spec: Spec, request: ConsoleRequest, name: string, status = 200): TestCase {
  const found: TestCase = { name, method: request.method, path: target(spec, request), status };
  const body = requestBody(request);
  if (body && 'text' in body) {
    try {
      found.body = JSON.parse(body.text);
    } catch {
      // a body that is not JSON cannot be a case's: the case goes without it
    }
  }
  return found;
}

/** The form as it first shows for a spec: its method, its query fields, its kind of caller. */
export function initialRequest(spec: Spec): ConsoleRequest {
  const query = Object.keys((spec.input?.query as Record<string, unknown> | undefined) ?? {}).map((name) => ({ name, value: '' }));
  return {
    method: METHODS.includes(String(spec.method)) ? String(spec.method) : 'GET',
    params: {},
    query: query.length ? query : [{ name: '', value: '' }],
    headers: [{ name: '', value: '' }],
    body: '',
    callAs: callerOf(spec),
  };
}

function callerOf(spec: Spec): CallAs {
  const auth = spec.auth;
  const mode = typeof auth === 'string' ? auth : auth && typeof auth === 'object' ? (auth as { mode?: string }).mode : undefined;
  return mode === 'apiKey' ? 'key' : mode === 'jwt' ? 'jwt' : 'nobody';
}
