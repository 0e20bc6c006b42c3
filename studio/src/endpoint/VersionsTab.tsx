// An endpoint's versions: which is live, a diff between any two, deploying one, pausing it.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { Diff } from '../diffview';
import { can } from '../session';
import { ProblemView, ago, useAction } from '../ui';
import { toText, type EndpointTabProps, type Saved } from './model';

export default function VersionsTab({ name, saved, reload }: EndpointTabProps) {
  const [left, setLeft] = useState<number>();
  const [right, setRight] = useState<number>();
  const [texts, setTexts] = useState<Record<number, string>>({});
  const [notice, setNotice] = useState<string>();
  const action = useAction(async (what: () => Promise<string>) => {
    setNotice(await what());
    reload();
  });

  const versions = saved?.versions ?? [];
  // by default what saving would deploy: the live version against the latest, or the latest
  // against the one before when the latest is live
  const live = saved?.liveVersion;
  const from = left ?? (live && live !== saved?.version ? live : (versions[1]?.version ?? saved?.version));
  const to = right ?? saved?.version;
  useEffect(() => {
    if (!name) return;
    for (const v of [from, to]) {
      if (v === undefined || texts[v] !== undefined) continue;
      void get<Saved>(`/api/endpoints/${encodeURIComponent(name)}/versions/${v}`).then((found) => setTexts((t) => ({ ...t, [v]: toText(found.spec, 'yaml') })));
    }
  }, [name, from, to]);

  if (!name || !saved) return <p class="muted">Save the endpoint first.</p>;
  const deploy = (version: number) =>
    action.run(async () => {
      const release = await post<{ id: number }>('/api/deploy', { endpoints: [{ name, version }], note: `Studio: ${name} v${version}` });
      return `Version ${version} is live (release ${release.id}).`;
    });
  const pause = (paused: boolean) =>
    action.run(async () => {
      await post(`/api/endpoints/${encodeURIComponent(name)}/${paused ? 'pause' : 'resume'}`, paused ? { reason: 'paused in the Studio' } : undefined);
      return paused ? 'Paused: calls answer 503 until it is resumed.' : 'Resumed.';
    });
  const pick = (label: string, value: number | undefined, set: (v: number) => void) => (
    <label class="inline">
      {label}{' '}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {versions.map((v) => (
          <option value={v.version}>
            v{v.version}
            {v.version === saved.liveVersion ? ' (live)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <ProblemView error={action.error} />
      <div class="table-wrap">
        <table class="list" aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Hash</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr data-version={v.version}>
                <td>
                  v{v.version}
                  {v.version === saved.liveVersion ? <span class="badge good">live</span> : null}
                </td>
                <td>{ago(v.createdAt)}</td>
                <td>
                  <code>{v.hash.slice(0, 12)}</code>
                </td>
                <td>
                  {can('deploy') && v.version !== saved.liveVersion ? (
                    <button type="button" onClick={() => deploy(v.version)} disabled={action.busy}>
                      Deploy v{v.version}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can('deploy') && saved.liveVersion ? (
        <div class="actions" style={{ marginTop: '0.75rem' }}>
          <button type="button" onClick={() => pause(true)} disabled={action.busy}>
            Pause
          </button>
          <button type="button" onClick={() => pause(false)} disabled={action.busy}>
            Resume
          </button>
        </div>
      ) : null}
      <h2>Compare</h2>
      <div class="toolbar">
        {pick('From', from, setLeft)}
        {pick('to', to, setRight)}
      </div>
      {from !== undefined && to !== undefined && texts[from] !== undefined && texts[to] !== undefined ? (
        <Diff before={texts[from]} after={texts[to]} label={`v${from} → v${to}`} />
      ) : (
        <p class="muted">Loading the versions…</p>
      )}
    </div>
  );
}
