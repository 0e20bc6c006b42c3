// The platform API as the Studio calls it: same origin, the session cookie, and the CSRF token
// that sign-in answered on every unsafe request. Every failure is an ApiError holding the
// problem+json the server answered (or one made up for a network failure).

export type Violation = { path: string; message: string };

export type Problem = {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: Violation[];
  [more: string]: unknown;
};

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.problem = problem;
  }
  get status() {
    return this.problem.status;
  }
}

const CSRF_KEY = 'slipway.csrf';
let csrfToken = sessionStorage.getItem(CSRF_KEY) ?? '';
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string) {
  csrfToken = token;
  sessionStorage.setItem(CSRF_KEY, token);
}

/** What to do when the API says the session is over (401): the app shows the sign-in form. */
export function whenSignedOut(handler: () => void) {
  onSignedOut = handler;
}

export type Body = { json: unknown } | { text: string; contentType: string } | undefined;

function isUnsafe(method: string) {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** The raw answer: for the preview console, which shows whatever came back. */
export async function send(
  method: string,
  path: string,
  body?: Body,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  const all: Record<string, string> = { Accept: 'application/json, */*', ...headers };
  let payload: string | undefined;
  if (body && 'json' in body) {
    all['Content-Type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    all['Content-Type'] = body.contentType;
    payload = body.text;
  }
  if (isUnsafe(method) && csrfToken) all['X-CSRF-Token'] = csrfToken;
  try {
    return await fetch(path, { method, headers: all, body: payload, credentials: 'same-origin', signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'network', title: 'The server could not be reached', detail: String(e) });
  }
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return { status: response.status, ...parsed };
  } catch {
    // not JSON: fall through
  }
  return { status: response.status, title: response.statusText, detail: text.slice(0, 500) };
}

/** Calls the API and answers its JSON (undefined for 204); throws ApiError for any other status. */
export async function api<T = any>(method: string, path: string, body?: Body, headers?: Record<string, string>): Promise<T> {
  const response = await send(method, path, body, headers);
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && !path.startsWith('/api/auth/login')) onSignedOut();
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const get = <T = any>(path: string) => api<T>('GET', path);
export const post = <T = any>(path: string, json?: unknown) => api<T>('POST', path, json === undefined ? undefined : { json });
export const put = <T = any>(path: string, json: unknown) => api<T>('PUT', path, { json });
export const patch = <T = any>(path: string, json: unknown) => api<T>('PATCH', path, { json });
export const del = <T = any>(path: string) => api<T>('DELETE', path);

/** A query string from the parts that are set. */
export function query(parts: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(parts)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type ServerEvent = { event: string; data: string };

/**
 * Reads server-sent events from a response body (for POST streams, which EventSource cannot
 * make), calling `onEvent` for each until the stream ends or `signal` aborts.
 */
export async function readEvents(response: Response, onEvent: (e: ServerEvent) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = val;
        else if (field === 'data') data.push(val);
      }
      if (data.length) onEvent({ event, data: data.join('\n') });
    }
  }
}
