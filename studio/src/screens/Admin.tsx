// The org's administration: members and roles, API keys and consumer keys (a token is shown once),
// secrets (names only, ever), the egress allow-list and the audit log. Sections and buttons the
// role may not use are not offered.
import { useState } from 'preact/hooks';
import { del, get, patch, post, put, query } from '../api';
import { href, navigate } from '../router';
import { can, type Ability } from '../session';
import { Field, Page, ProblemView, Show, Tabs, ago, useAction, useLoad } from '../ui';
import './admin.css';

const SECTIONS: [string, string, Ability][] = [
  ['members', 'Members', 'read'],
  ['keys', 'API keys', 'keys'],
  ['consumer-keys', 'Consumer keys', 'keys'],
  ['secrets', 'Secrets', 'secrets'],
  ['egress', 'Egress', 'read'],
  ['audit', 'Audit log', 'audit'],
];

export default function Admin({ section }: { section: string }) {
  const allowed = SECTIONS.filter(([, , ability]) => can(ability));
  const current = allowed.some(([id]) => id === section) ? section : allowed[0][0];
  return (
    <Page title="Admin">
      <Tabs label="Admin" tabs={allowed.map(([id, name]) => [id, name] as [string, string])} current={current} onChange={(id) => navigate(href('admin', id))} />
      {current === 'members' ? <Members /> : null}
      {current === 'keys' ? <Keys kind="keys" /> : null}
      {current === 'consumer-keys' ? <Keys kind="consumer-keys" /> : null}
      {current === 'secrets' ? <Secrets /> : null}
      {current === 'egress' ? <Egress /> : null}
      {current === 'audit' ? <Audit /> : null}
    </Page>
  );
}

type Member = { userId: number; email: string; role: string; since: string };
const ROLES = ['viewer', 'member', 'admin', 'owner'];

function Members() {
  const loaded = useLoad(() => get<Member[]>('/api/members'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('member');
  const action = useAction(async (change: () => Promise<unknown>) => {
    await change();
    loaded.reload();
  });
  return (
    <>
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(members) => (
          <div class="table-wrap">
            <table class="list" aria-label="Members">
              <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {members.map((m) => (
                  <tr>
                    <td>{m.email}</td>
                    <td>
                      {can('members') ? (
                        <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void action.run(() => patch(`/api/members/${m.userId}`, { role: e.currentTarget.value }))}>
                          {ROLES.map((r) => <option value={r}>{r}</option>)}
                        </select>
                      ) : m.role}
                    </td>
                    <td>{ago(m.since)}</td>
                    <td>
                      {can('members') ? (
                        <button type="button" onClick={() => confirm(`Remove ${m.email} from the org? Their keys are revoked.`) && void action.run(() => del(`/api/members/${m.userId}`))}>Remove</button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      {can('members') ? (
        <form class="card inline-form" aria-label="Add a member" onSubmit={(e) => { e.preventDefault(); void action.run(() => post('/api/members', { email, role, password: password || undefined })); }}>
          <h2>Add a member</h2>
          <div class="row">
            <Field label="Email">{(id) => <input id={id} type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />}</Field>
            <Field label="Role">{(id) => <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>{ROLES.map((r) => <option value={r}>{r}</option>)}</select>}</Field>
            <Field label="Password" hint="for a new user; at least 10 characters">{(id) => <input id={id} type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}</Field>
          </div>
          <button class="primary" type="submit" disabled={action.busy}>Add</button>
        </form>
      ) : null}
    </>
  );
}

type Key = { id: number; name: string; prefix: string; role?: string; roles?: string[]; scopes?: string[]; createdAt: string; expiresAt: string | null; lastUsedAt?: string | null; revoked?: boolean };

/** API keys (for the platform) or consumer keys (for the org's endpoints): a new token is shown once. */
function Keys({ kind }: { kind: 'keys' | 'consumer-keys' }) {
  const loaded = useLoad(() => get<Key[]>(`/api/${kind}`), [kind]);
  const [name, setName] = useState('');
  const [roles, setRoles] = useState(kind === 'keys' ? 'member' : 'member');
  const [extra, setExtra] = useState('');
  const [token, setToken] = useState<string>();
  const action = useAction(async (change: () => Promise<unknown>) => {
    await change();
    loaded.reload();
  });
  const create = () =>
    action.run(async () => {
      const body =
        kind === 'keys'
          ? { name, role: roles, scopes: extra.split(',').map((s) => s.trim()).filter(Boolean) }
          : { name, roles: roles.split(',').map((s) => s.trim()).filter(Boolean), claims: Object.fromEntries(extra.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()])) };
      const made = await post<{ token: string }>(`/api/${kind}`, body);
      setToken(made.token);
      setName('');
    });
  return (
    <>
      {token ? (
        <div class="token-once" role="status" data-testid="token">
          <strong>The new key's token, shown this once:</strong>
          <code>{token}</code>
          <div class="actions">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(token)}>Copy</button>
            <button type="button" onClick={() => setToken(undefined)}>I have kept it</button>
          </div>
        </div>
      ) : null}
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(keys) => (
          <div class="table-wrap">
            <table class="list" aria-label={kind === 'keys' ? 'API keys' : 'Consumer keys'}>
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">{kind === 'keys' ? 'Role' : 'Roles'}</th><th scope="col">Made</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {keys.map((k) => (
                  <tr>
                    <td>{k.name}{k.revoked ? <span class="badge bad">revoked</span> : null}</td>
                    <td><code>{k.prefix}</code></td>
                    <td>{k.role ?? k.roles?.join(', ')}{k.scopes?.length ? <div class="muted small">scopes {k.scopes.join(', ')}</div> : null}</td>
                    <td>{ago(k.createdAt)}</td>
                    <td>{!k.revoked ? <button type="button" onClick={() => confirm(`Revoke the key ${k.name}?`) && void action.run(() => del(`/api/${kind}/${k.id}`))}>Revoke</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      <form class="card inline-form" aria-label="New key" onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <h2>New {kind === 'keys' ? 'API key' : 'consumer key'}</h2>
        <div class="row">
          <Field label="Name">{(id) => <input id={id} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
          {kind === 'keys' ? (
            <Field label="Role">{(id) => <select id={id} value={roles} onChange={(e) => setRoles(e.currentTarget.value)}>{ROLES.map((r) => <option value={r}>{r}</option>)}</select>}</Field>
          ) : (
            <Field label="Roles" hint="comma-separated, as the endpoints' auth.roles name them">{(id) => <input id={id} value={roles} onInput={(e) => setRoles(e.currentTarget.value)} />}</Field>
          )}
          {kind === 'keys' ? (
            <Field label="Scopes" hint="comma-separated; empty for every scope">{(id) => <input id={id} value={extra} onInput={(e) => setExtra(e.currentTarget.value)} />}</Field>
          ) : (
            <Field label="Claims" hint="one name=value a line, e.g. tenant_id=acme">{(id) => <textarea id={id} rows={2} value={extra} onInput={(e) => setExtra(e.currentTarget.value)} />}</Field>
          )}
        </div>
        <button class="primary" type="submit" disabled={action.busy}>Create</button>
      </form>
    </>
  );
}

type Secret = { name: string; createdAt?: string; updatedAt?: string };

function Secrets() {
  const loaded = useLoad(() => get<Secret[]>('/api/secrets'));
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const action = useAction(async (change: () => Promise<unknown>) => {
    await change();
    loaded.reload();
  });
  return (
    <>
      <p class="muted">Values never come back: specs read them as <code>{'${secrets.NAME}'}</code>, scripts as <code>ctx.secrets.get('NAME')</code>.</p>
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(secrets) => (
          <ul class="secrets" aria-label="Secrets">
            {secrets.map((s) => (
              <li>
                <code>{s.name}</code> <span class="muted small">{ago(s.updatedAt ?? s.createdAt)}</span>{' '}
                <button type="button" onClick={() => confirm(`Delete the secret ${s.name}?`) && void action.run(() => del(`/api/secrets/${encodeURIComponent(s.name)}`))}>Delete</button>
              </li>
            ))}
            {secrets.length === 0 ? <li class="muted">No secrets yet.</li> : null}
          </ul>
        )}
      </Show>
      <form class="card inline-form" aria-label="Set a secret" onSubmit={(e) => { e.preventDefault(); void action.run(async () => { await put(`/api/secrets/${encodeURIComponent(name)}`, { value }); setValue(''); }); }}>
        <h2>Set a secret</h2>
        <div class="row">
          <Field label="Secret name">{(id) => <input id={id} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
          <Field label="Value">{(id) => <input id={id} type="password" autocomplete="off" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />}</Field>
        </div>
        <button class="primary" type="submit" disabled={action.busy}>Save</button>
      </form>
    </>
  );
}

function Egress() {
  const loaded = useLoad(() => get<{ allow: string[] }>('/api/org/egress'));
  const [text, setText] = useState<string>();
  const [saved, setSaved] = useState(false);
  const action = useAction(async () => {
    const allow = (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    await put('/api/org/egress', { allow });
    setSaved(true);
    loaded.reload();
  });
  return (
    <Show loaded={loaded}>
      {(egress) => (
        <form aria-label="Egress allow-list" onSubmit={(e) => { e.preventDefault(); setSaved(false); void action.run(); }}>
          <p class="muted">Where scripts may <code>ctx.fetch</code>: host names, <code>*.example.com</code>, CIDR blocks. Empty allows any public address.</p>
          <Field label="Allowed destinations" hint="one a line">
            {(id) => <textarea id={id} rows={6} readOnly={!can('org')} value={text ?? egress.allow.join('\n')} onInput={(e) => setText(e.currentTarget.value)} />}
          </Field>
          <ProblemView error={action.error} />
          {saved ? <p class="notice" role="status">Saved.</p> : null}
          {can('org') ? <button class="primary" type="submit" disabled={action.busy}>Save</button> : null}
        </form>
      )}
    </Show>
  );
}

type AuditEvent = { id: number; at: string; actor: string; action: string; target: string; outcome: string; sourceIp: string; requestId: string };

function Audit() {
  const [filter, setFilter] = useState({ action: '', actor: '', outcome: '' });
  const [shown, setShown] = useState(filter);
  const loaded = useLoad(() => get<AuditEvent[]>(`/api/audit${query({ ...shown, limit: 100 })}`), [JSON.stringify(shown)]);
  return (
    <>
      <form class="toolbar" aria-label="Audit filters" onSubmit={(e) => { e.preventDefault(); setShown(filter); }}>
        <Field label="Action">{(id) => <input id={id} value={filter.action} onInput={(e) => setFilter({ ...filter, action: e.currentTarget.value })} />}</Field>
        <Field label="Actor">{(id) => <input id={id} value={filter.actor} onInput={(e) => setFilter({ ...filter, actor: e.currentTarget.value })} />}</Field>
        <Field label="Outcome">{(id) => <select id={id} value={filter.outcome} onChange={(e) => setFilter({ ...filter, outcome: e.currentTarget.value })}><option value="">any</option><option value="success">success</option><option value="denied">denied</option><option value="failure">failure</option></select>}</Field>
        <button type="submit">Filter</button>
      </form>
      <Show loaded={loaded}>
        {(events) => (
          <div class="table-wrap">
            <table class="list" aria-label="Audit log">
              <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead>
              <tbody>
                {events.map((a) => (
                  <tr>
                    <td title={a.at}>{ago(a.at)}</td>
                    <td class="small">{a.actor}</td>
                    <td><code>{a.action}</code></td>
                    <td class="small">{a.target}</td>
                    <td><span class={`badge ${a.outcome === 'success' ? 'good' : 'bad'}`}>{a.outcome}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
    </>
  );
}
