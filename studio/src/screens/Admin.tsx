// The org's administration, a tab a section (#/admin/<section>): members and roles, API keys and
// consumer keys (AdminKeys.tsx: a new token is shown once), secrets (names only, ever), the egress
// allow-list and the audit log. Sections and buttons the role may not use are not offered.
import { useState } from 'preact/hooks';
import { del, get, patch, post, put, query } from '../api';
import { href, navigate } from '../router';
import { can, me, type Ability } from '../session';
import { Field, Page, ProblemView, Show, Tabs, ago, useAction, useLoad, when } from '../ui';
import { Keys, ROLES } from './AdminKeys';
import './admin.css';
import './cells.css';

/** Each section: its hash, its tab's name, and the least ability that may see it. */
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
      <Tabs label="Admin sections" tabs={allowed.map(([id, name]) => [id, name] as [string, string])} current={current} onChange={(id) => navigate(href('admin', id))} />
      <div role="tabpanel" aria-label={allowed.find(([id]) => id === current)![1]}>
        {current === 'members' ? <Members /> : null}
        {current === 'keys' ? <Keys kind="keys" /> : null}
        {current === 'consumer-keys' ? <Keys kind="consumer-keys" /> : null}
        {current === 'secrets' ? <Secrets /> : null}
        {current === 'egress' ? <Egress /> : null}
        {current === 'audit' ? <Audit /> : null}
      </div>
    </Page>
  );
}

type Member = { userId: number; email: string; name?: string | null; role: string; since: string };

/** Runs a change, then loads the section's list again. */
function useChange(reload: () => void) {
  return useAction(async (change: () => Promise<unknown>) => {
    await change();
    reload();
  });
}

function Members() {
  const loaded = useLoad(() => get<Member[]>('/api/members'));
  const action = useChange(loaded.reload);
  const owner = can('members');
  const myId = me()?.user?.id;
  const changeRole = (m: Member, role: string) => {
    if (role !== m.role) void action.run(() => patch(`/api/members/${m.userId}`, { role }));
  };
  const remove = (m: Member) => {
    if (confirm(`Remove ${m.email} from the org? Their keys are revoked.`)) void action.run(() => del(`/api/members/${m.userId}`));
  };
  return (
    <>
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(members) => (
          <div class="table-wrap">
            <table class="list" aria-label="Members">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  {owner ? <th scope="col"><span class="sr-only">Actions</span></th> : null}
                </tr>
              </thead>
              <tbody>
                {members.map((m) => (
                  <tr>
                    <td>
                      {m.email}
                      {m.userId === myId ? <span class="badge info">you</span> : null}
                    </td>
                    <td>
                      {owner ? (
                        <select aria-label={`Role of ${m.email}`} value={m.role} disabled={action.busy} onChange={(e) => changeRole(m, e.currentTarget.value)}>
                          {ROLES.map((r) => <option value={r}>{r}</option>)}
                        </select>
                      ) : (
                        m.role
                      )}
                    </td>
                    <td data-label="Since" title={when(m.since)}>{ago(m.since)}</td>
                    {owner ? (
                      <td>
                        {m.userId !== myId ? (
                          <button type="button" class="danger" aria-label={`Remove ${m.email}`} disabled={action.busy} onClick={() => remove(m)}>
                            Remove
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      {owner ? <AddMember onAdded={loaded.reload} /> : null}
    </>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('member');
  const action = useAction(async () => {
    await post('/api/members', { email, role, password: password || undefined });
    setEmail('');
    setPassword('');
    onAdded();
  });
  return (
    <form class="card inline-form" aria-label="Add a member" onSubmit={(e) => { e.preventDefault(); void action.run(); }}>
      <h2>Add a member</h2>
      <div class="row">
        <Field label="Email">{(id) => <input id={id} type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />}</Field>
        <Field label="Role">{(id) => <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>{ROLES.map((r) => <option value={r}>{r}</option>)}</select>}</Field>
        <Field label="Password" hint="for a new user; at least 10 characters">
          {(id) => <input id={id} type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}
        </Field>
      </div>
      <ProblemView error={action.error} />
      <button class="primary" type="submit" disabled={action.busy}>Add</button>
    </form>
  );
}

type Secret = { name: string; createdAt?: string; updatedAt?: string };

function Secrets() {
  const loaded = useLoad(() => get<Secret[]>('/api/secrets'));
  const action = useChange(loaded.reload);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [saved, setSaved] = useState('');
  const save = (e: Event) => {
    e.preventDefault();
    setSaved('');
    void action.run(async () => {
      await put(`/api/secrets/${encodeURIComponent(name)}`, { value });
      setSaved(name);
      setName('');
      setValue('');
    });
  };
  const remove = (s: Secret) => {
    if (confirm(`Delete the secret ${s.name}? Endpoints that read it will fail.`)) void action.run(() => del(`/api/secrets/${encodeURIComponent(s.name)}`));
  };
  return (
    <>
      <p class="muted">
        Values never come back: specs read them as <code>{'${secrets.NAME}'}</code>, scripts as <code>ctx.secrets.get('NAME')</code>.
      </p>
      <ProblemView error={action.error} />
      <Show loaded={loaded}>
        {(secrets) => (
          <ul class="secrets" aria-label="Secrets">
            {secrets.map((s) => (
              <li>
                <code>{s.name}</code>
                <span class="muted small" title={when(s.updatedAt ?? s.createdAt)}>set {ago(s.updatedAt ?? s.createdAt)}</span>
                <button type="button" class="danger" aria-label={`Delete ${s.name}`} onClick={() => remove(s)}>
                  Delete
                </button>
              </li>
            ))}
            {secrets.length === 0 ? <li class="muted">No secrets yet.</li> : null}
          </ul>
        )}
      </Show>
      <form class="card inline-form" aria-label="Set a secret" onSubmit={save}>
        <h2>Set a secret</h2>
        <p class="muted small">A name already set has its value replaced.</p>
        <div class="row">
          <Field label="Secret name">{(id) => <input id={id} required autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
          <Field label="Value">{(id) => <input id={id} type="password" autocomplete="new-password" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />}</Field>
        </div>
        {saved ? <p class="notice" role="status">Saved {saved}.</p> : null}
        <button class="primary" type="submit" disabled={action.busy}>Save</button>
      </form>
    </>
  );
}

/** The textarea's lines as the list the API takes (blank lines left out), with each one's line number. */
function entriesOf(text: string): { entry: string; line: number }[] {
  return text
    .split('\n')
    .map((l, i) => ({ entry: l.trim(), line: i + 1 }))
    .filter((e) => e.entry);
}

function Egress() {
  const loaded = useLoad(() => get<{ allow: string[] }>('/api/org/egress'));
  const [text, setText] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [sent, setSent] = useState<{ entry: string; line: number }[]>([]);
  const action = useAction(async (lines: { entry: string; line: number }[]) => {
    setSent(lines);
    await put('/api/org/egress', { allow: lines.map((l) => l.entry) });
    setSaved(true);
    setText(undefined);
    loaded.reload();
  });
  const owner = can('org');
  // a refused entry is named /allow/<i>: which line of the textarea that was
  const refused = (action.error?.problem.errors ?? [])
    .map((v) => /^\/allow\/(\d+)$/.exec(v.path))
    .map((m) => (m ? sent[Number(m[1])] : undefined))
    .filter((l): l is { entry: string; line: number } => !!l);
  return (
    <Show loaded={loaded}>
      {(egress) => (
        <form aria-label="Egress allow-list" onSubmit={(e) => { e.preventDefault(); setSaved(false); void action.run(entriesOf(text ?? egress.allow.join('\n'))); }}>
          <p class="muted">
            Where scripts may <code>ctx.fetch</code> (and jwt endpoints fetch keys): host names, <code>*.example.com</code>, CIDR blocks. An empty list allows any public address.
          </p>
          <Field label="Allowed destinations" hint={owner ? 'one a line' : 'only the owner changes it'}>
            {(id) => <textarea id={id} rows={6} spellcheck={false} readOnly={!owner} value={text ?? egress.allow.join('\n')} onInput={(e) => { setText(e.currentTarget.value); setSaved(false); }} />}
          </Field>
          <ProblemView error={action.error} />
          {refused.length ? (
            <ul class="refused" aria-label="Refused lines">
              {refused.map((l) => (
                <li>
                  line {l.line}: <code>{l.entry}</code>
                </li>
              ))}
            </ul>
          ) : null}
          {saved ? <p class="notice" role="status">Saved.</p> : null}
          {owner ? <button class="primary" type="submit" disabled={action.busy}>Save</button> : null}
        </form>
      )}
    </Show>
  );
}

type AuditEvent = { id: number; at: string; actor: string; action: string; target: string; outcome: string; sourceIp: string; requestId: string };
const OUTCOME_BADGE: Record<string, string> = { success: 'good', denied: 'warn', failure: 'bad' };

function Audit() {
  const [filter, setFilter] = useState({ action: '', actor: '', outcome: '', limit: '100' });
  const [shown, setShown] = useState(filter);
  const loaded = useLoad(() => get<AuditEvent[]>(`/api/audit${query(shown)}`), [JSON.stringify(shown)]);
  const text = (name: 'action' | 'actor', label: string, example: string) => (
    <Field label={label}>{(id) => <input id={id} placeholder={example} value={filter[name]} onInput={(e) => setFilter({ ...filter, [name]: e.currentTarget.value })} />}</Field>
  );
  return (
    <>
      <form class="card row audit-filters" aria-label="Audit filters" onSubmit={(e) => { e.preventDefault(); setShown(filter); }}>
        {text('action', 'Action', 'secret, or secret.create')}
        {text('actor', 'Actor', 'user:1')}
        <Field label="Outcome">
          {(id) => (
            <select id={id} value={filter.outcome} onChange={(e) => setFilter({ ...filter, outcome: e.currentTarget.value })}>
              <option value="">any</option>
              {Object.keys(OUTCOME_BADGE).map((o) => <option value={o}>{o}</option>)}
            </select>
          )}
        </Field>
        <Field label="Show">
          {(id) => (
            <select id={id} value={filter.limit} onChange={(e) => setFilter({ ...filter, limit: e.currentTarget.value })}>
              {['50', '100', '500'].map((n) => <option value={n}>newest {n}</option>)}
            </select>
          )}
        </Field>
        <div class="field">
          <button type="submit">Filter</button>
        </div>
      </form>
      <Show loaded={loaded}>
        {(events) => (
          <div class="table-wrap">
            <table class="list" aria-label="Audit log">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {events.map((a) => (
                  <tr>
                    <td data-label="When" title={when(a.at)}>{ago(a.at)}</td>
                    <td data-label="Actor" class="small">{a.actor}</td>
                    <td data-label="Action"><code>{a.action}</code></td>
                    <td data-label="Target" class="small">{a.target}</td>
                    <td data-label="Outcome"><span class={`badge ${OUTCOME_BADGE[a.outcome] ?? 'info'}`}>{a.outcome}</span></td>
                    <td data-label="From" class="small">{a.sourceIp}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {events.length === 0 ? <p class="empty">No audit records match.</p> : null}
          </div>
        )}
      </Show>
    </>
  );
}
