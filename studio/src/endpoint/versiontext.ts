// A saved version's spec as YAML text, for the diffs of versions and of releases. A saved version
// never changes, so each is read once per page load.
import { get } from '../api';
import { toText, type Saved } from './model';

const texts = new Map<string, Promise<string>>();

export function versionText(name: string, version: number): Promise<string> {
  const key = `${name}\u0000${version}`;
  let found = texts.get(key);
  if (!found) {
    found = get<Saved>(`/api/endpoints/${encodeURIComponent(name)}/versions/${version}`).then((v) => toText(v.spec, 'yaml'));
    found.catch(() => texts.delete(key));
    texts.set(key, found);
  }
  return found;
}
