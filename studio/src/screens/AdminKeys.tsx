// Admin's keys: platform API keys (a role and scopes) and consumer keys (roles and claims for the
// org's apiKey endpoints). A new key's token is in the create answer only, so it is shown once,
// with a copy button, until dismissed.
import { useState } from 'preact/hooks';
import { ApiError, del, get, post } from '../api';
import { Field, ProblemView, Show, ago, useAction, useLoad, when } from '../ui';

type Kind = 'keys' | 'consumer-keys';

export const ROLES = ['viewer', 'member', 'admin', 'owner'];

type Key = {
  id: number;
  name: string;
  prefix: string;
  role?: string;
  roles?: string[];
  scopes?: string[];
  claims?: Record<string, string>;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt?: string | null;
  revoked?: boolean;
};

const NOUN: Record<Kind, string> = { keys: 'API key', 'consumer-keys': 'consumer key' };

const commaList = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** "name=value" lines as claims; a line that is not one is a problem naming its line. */
function claimsOf(text: string): Record<string, string> {
  const claims: Record<string, string> = {};
  const errors: { path: string; message: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const eq = line.indexOf('=');
    if (eq <= 0) errors.push({ path: `line ${i + 1}`, message: 'is not name=value' });
    else claims[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  if (errors.length) throw new ApiError({ status: 0, title: 'The claims are not valid', errors });
  return claims;
}

/** The date input's day as the end of that day, UTC, or nothing when it is empty. */
const expiry = (day: string) => (day ? `${day}T23:59:59Z` : undefined);

export function Keys({ kind }: { kind: Kind }) {
  const loaded = useLoad(() => get<Key[]>(`/api/${kind}`), [kind]);
  const [token, setToken] = useState<string>();
  const revoke = useAction(async (k: Key) => {
    await del(`/api/${kind}/${k.id}`);
    loaded.reload();
  });
  const confirmRevoke = (k: Key) => {
    if (confirm(`Revoke the ${NOUN[kind]} ${k.name}? Whoever uses it is refused from now on.`)) void revoke.run(k);
  };
  return (
    <>
      {token ? <TokenOnce token={token} onDone={() => setToken(undefined)} /> : null}
      <ProblemView error={revoke.error} />
      <Show loaded={loaded}>{(keys) => <KeyTable kind={kind} keys={keys} onRevoke={confirmRevoke} />}</Show>
      <NewKey
        kind={kind}
        onCreated={(t) => {
          setToken(t);
          loaded.reload();
        }}
      />
    </>
  );
}

function TokenOnce({ token, onDone }: { token: string; onDone: () => void }) {
  const [copied, setCopied] = useState('');
  const copy = () =>
    navigator.clipboard.writeText(token).then(
      () => setCopied('Copied.'),
      () => setCopied('Could not copy: select the token and copy it.'),
    );
  return (
    <div class="token-once" role="alert" data-testid="token">
      <strong>Copy the new key's token now: it will not be shown again.</strong>
      <code>{token}</code>
      <div class="actions">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I have kept it
        </button>
        <span role="status">{copied}</span>
      </div>
    </div>
  );
}

function KeyTable({ kind, keys, onRevoke }: { kind: Kind; keys: Key[]; onRevoke: (k: Key) => void }) {
  if (!keys.length) return <p class="empty">No {NOUN[kind]}s yet.</p>;
  return (
    <div class="table-wrap">
      <table class="list" aria-label={kind === 'keys' ? 'API keys' : 'Consumer keys'}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">{kind === 'keys' ? 'Role and scopes' : 'Roles and claims'}</th>
            <th scope="col">Made</th>
            <th scope="col">Expires</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr data-key={k.name}>
              <td>
                {k.name}
                {k.revoked ? <span class="badge bad">revoked</span> : null}
              </td>
              <td data-label="Prefix"><code>{k.prefix}</code></td>
              <td>
                {kind === 'keys' ? k.role : k.roles?.join(', ') || '—'}
                {k.scopes?.length ? <div class="muted small">scopes {k.scopes.join(', ')}</div> : null}
                {k.claims && Object.keys(k.claims).length ? (
                  <div class="muted small">{Object.entries(k.claims).map(([n, v]) => `${n}=${v}`).join(', ')}</div>
                ) : null}
              </td>
              <td data-label="Made" title={when(k.createdAt)}>
                {ago(k.createdAt)}
                {k.lastUsedAt ? <div class="muted small">used {ago(k.lastUsedAt)}</div> : null}
              </td>
              <td data-label="Expires">{k.expiresAt ? when(k.expiresAt) : 'never'}</td>
              <td>
                {!k.revoked ? (
                  <button type="button" class="danger" aria-label={`Revoke ${k.name}`} onClick={() => onRevoke(k)}>
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NewKey({ kind, onCreated }: { kind: Kind; onCreated: (token: string) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [roles, setRoles] = useState('');
  const [scopes, setScopes] = useState('');
  const [claims, setClaims] = useState('');
  const [expires, setExpires] = useState('');
  const action = useAction(async () => {
    const body =
      kind === 'keys'
        ? { name, role, scopes: commaList(scopes), expiresAt: expiry(expires) }
        : { name, roles: commaList(roles), claims: claimsOf(claims), expiresAt: expiry(expires) };
    const made = await post<{ token: string }>(`/api/${kind}`, body);
    setName('');
    onCreated(made.token);
  });
  return (
    <form class="card inline-form" aria-label={`New ${NOUN[kind]}`} onSubmit={(e) => { e.preventDefault(); void action.run(); }}>
      <h2>New {NOUN[kind]}</h2>
      <div class="row">
        <Field label="Name">{(id) => <input id={id} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
        {kind === 'keys' ? (
          <>
            <Field label="Role" hint="at most your own">
              {(id) => <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>{ROLES.map((r) => <option value={r}>{r}</option>)}</select>}
            </Field>
            <Field label="Scopes" hint="comma-separated; empty for every scope">{(id) => <input id={id} value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />}</Field>
          </>
        ) : (
          <Field label="Roles" hint="comma-separated, as endpoints' auth.roles name them">{(id) => <input id={id} value={roles} onInput={(e) => setRoles(e.currentTarget.value)} />}</Field>
        )}
        <Field label="Expires" hint="optional; the end of that day, UTC">{(id) => <input id={id} type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />}</Field>
      </div>
      {kind === 'consumer-keys' ? (
        <Field label="Claims" hint="one name=value a line, e.g. tenant_id=acme">
          {(id) => <textarea id={id} rows={2} spellcheck={false} value={claims} onInput={(e) => setClaims(e.currentTarget.value)} />}
        </Field>
      ) : null}
      <ProblemView error={action.error} />
      <button class="primary" type="submit" disabled={action.busy}>
        Create
      </button>
    </form>
  );
}
