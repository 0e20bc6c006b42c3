// Hash routes (#/endpoints/get-project/code): the server serves one page and never needs to know
// the Studio's paths.
import { useEffect, useState } from 'preact/hooks';

export type Route = { path: string[]; params: URLSearchParams };

function parse(): Route {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [p, q = ''] = hash.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The href of a Studio path: href('endpoints', name) is "#/endpoints/<name>". */
export function href(...parts: (string | number)[]): string {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

export function navigate(to: string) {
  location.hash = to.startsWith('#') ? to : '#' + to;
}
