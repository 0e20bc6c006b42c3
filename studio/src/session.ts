// Who is signed in and what their role lets them do. The roles and what each may do mirror
// SECURITY.md's matrix (dev.slipway.security.Action): what a role may not do is not offered.
import { useEffect, useState } from 'preact/hooks';
import { get, post, setCsrfToken } from './api';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';

export type Me = {
  kind: string;
  user?: { id: number; email: string };
  key?: { id: number; name: string };
  org: { id: number; slug: string; name: string };
  role: Role;
  scopes: string[];
  csrfToken?: string;
};

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** The least role of each thing the Studio offers. */
const NEEDS = {
  read: 'viewer',
  edit: 'member',
  preview: 'member',
  jobs: 'member',
  chat: 'member',
  execute: 'admin',
  deploy: 'admin',
  keys: 'admin',
  secrets: 'admin',
  audit: 'admin',
  members: 'owner',
  org: 'owner',
} as const satisfies Record<string, Role>;

export type Ability = keyof typeof NEEDS;

let current: Me | null | undefined;
const listeners = new Set<() => void>();

function set(me: Me | null) {
  current = me;
  listeners.forEach((l) => l());
}

/** The signed-in caller: undefined while the first check runs, null when signed out. */
export function useMe(): Me | null | undefined {
  const [, tick] = useState(0);
  useEffect(() => {
    const l = () => tick((n) => n + 1);
    listeners.add(l);
    // the first check may have ended between the first render and this subscription
    l();
    return () => void listeners.delete(l);
  }, []);
  return current;
}

export function me(): Me | null | undefined {
  return current;
}

export function can(ability: Ability, who: Me | null | undefined = current): boolean {
  return !!who && RANK[who.role] >= RANK[NEEDS[ability]];
}

export async function checkSession() {
  try {
    const who = await get<Me>('/api/auth/me');
    if (who.csrfToken) setCsrfToken(who.csrfToken);
    set(who);
  } catch {
    set(null);
  }
}

export async function signIn(email: string, password: string) {
  const session = await post<{ csrfToken: string }>('/api/auth/login', { email, password });
  setCsrfToken(session.csrfToken);
  await checkSession();
}

export async function signOut() {
  try {
    await post('/api/auth/logout');
  } finally {
    setCsrfToken('');
    set(null);
  }
}

export function signedOut() {
  set(null);
}
