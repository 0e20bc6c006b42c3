// One endpoint: its spec in the code editor or the visual builder, the test console and its
// versions. The draft text lives here so that every tab sees the same, saved or not. The console
// can also stand beside the editor or the builder, so an edit's answer shows as it is made (with
// the console's auto-save, each pause in typing saves the draft and runs it).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, send } from '../api';
import { lazy } from '../lazy';
import { href, navigate } from '../router';
import { can } from '../session';
import { Outcome, Page, ProblemView, Tabs, toApiError, useLoad } from '../ui';
import { sameSpec, toText, type Draft, type EndpointTabProps, type Saved } from '../endpoint/model';

const TABS = {
  code: lazy<EndpointTabProps>(() => import('../endpoint/CodeTab')),
  builder: lazy<EndpointTabProps>(() => import('../endpoint/BuilderTab')),
  test: lazy<EndpointTabProps>(() => import('../endpoint/TestTab')),
  versions: lazy<EndpointTabProps>(() => import('../endpoint/VersionsTab')),
};
type Tab = keyof typeof TABS;
const BESIDE_KEY = 'slipway.console.beside';

export default function Endpoint({ name, tab, params }: { name: string; tab: string; params: URLSearchParams }) {
  // read again on each tab switch, so what others saved or deployed meanwhile shows
  const loaded = useLoad(() => get<Saved>(`/api/endpoints/${encodeURIComponent(name)}`), [name, tab]);
  const saved = loaded.data;
  return (
    <EndpointEditor
      key={name}
      name={name}
      saved={saved}
      loadError={loaded.error}
      initial={saved ? { text: toText(saved.spec, 'yaml'), format: 'yaml' } : undefined}
      tab={(tab in TABS ? tab : 'code') as Tab}
      params={params}
      reload={loaded.reload}
    />
  );
}

type EditorProps = {
  name?: string;
  saved?: Saved;
  loadError?: ApiError;
  initial?: Draft;
  tab: Tab;
  params: URLSearchParams;
  reload: () => void;
};

/** The editor of a saved endpoint (name given) or of a new one (no name: saving creates it). */
export function EndpointEditor({ name, saved, loadError, initial, tab, params, reload }: EditorProps) {
  const [draft, setDraft] = useState<Draft | undefined>(initial);
  const [savedText, setSavedText] = useState(initial?.text);
  const [saveError, setSaveError] = useState<ApiError>();
  // what the last save or deploy did, to the version it names: a later version (an auto-save's)
  // makes it old news
  const [notice, setNotice] = useState<{ text: string; version: number }>();
  const [busy, setBusy] = useState(false);
  const [beside, setBeside] = useState(() => localStorage.getItem(BESIDE_KEY) === 'on');

  // the first load, and every later one (after a save, a rollback), resets an unchanged draft
  useEffect(() => {
    if (!initial) return;
    if (draft === undefined || draft.text === savedText) setDraft(initial);
    setSavedText(initial.text);
  }, [initial?.text]);

  if (loadError) return <Page title={name ?? 'New endpoint'}><ProblemView error={loadError} /></Page>;
  if (!draft) return <Page title={name ?? 'New endpoint'}><p class="muted">Loading…</p></Page>;

  // a text saved by another way (the console's auto-save) is not unsaved, whatever its comments
  const dirty = draft.text !== savedText && !(saved && sameSpec(draft, saved.spec));
  const save = async () => {
    setBusy(true);
    setSaveError(undefined);
    setNotice(undefined);
    try {
      const contentType = draft.format === 'json' ? 'application/json' : 'application/yaml';
      const path = name ? `/api/endpoints/${encodeURIComponent(name)}` : '/api/endpoints';
      const response = await send(name ? 'PUT' : 'POST', path, { text: draft.text, contentType });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiError({ status: response.status, ...body });
      setSavedText(draft.text);
      setNotice({ text: response.status === 201 ? `Saved as version ${body.version}.` : 'No change: the latest version is the same.', version: body.version ?? saved?.version ?? 0 });
      if (!name || body.name !== name) navigate(href('endpoints', body.name, tab));
      else reload();
    } catch (e) {
      setSaveError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const deploy = async () => {
    if (!name || !saved) return;
    setBusy(true);
    setSaveError(undefined);
    try {
      const release = await post<{ id: number }>('/api/deploy', { endpoints: [{ name, version: saved.version }], note: `Studio: ${name} v${saved.version}` });
      setNotice({ text: `Deployed version ${saved.version} (release ${release.id}).`, version: saved.version });
      reload();
    } catch (e) {
      setSaveError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const Current = TABS[tab];
  const tabProps: EndpointTabProps = { name, draft, setDraft, saved, saveError, reload, params };
  const canBeside = !!name && (tab === 'code' || tab === 'builder') && can('preview');
  const showBeside = (on: boolean) => {
    localStorage.setItem(BESIDE_KEY, on ? 'on' : 'off');
    setBeside(on);
  };
  return (
    <Page
      title={
        <>
          {name ?? 'New endpoint'}
          {saved ? (
            <span class="badge info" data-testid="versions">
              v{saved.version}
              {saved.liveVersion ? ` · live v${saved.liveVersion}` : ' · not live'}
            </span>
          ) : null}
          {dirty ? <span class="badge warn">unsaved</span> : null}
        </>
      }
      actions={
        <>
          {can('edit') ? (
            <button type="button" class="primary" onClick={save} disabled={busy || (!dirty && !!name)}>
              {busy ? 'Working…' : 'Save draft'}
            </button>
          ) : null}
          {name && saved && can('deploy') ? (
            <button type="button" onClick={deploy} disabled={busy || dirty || saved.liveVersion === saved.version} title={dirty ? 'Save first' : undefined}>
              Deploy v{saved.version}
            </button>
          ) : null}
        </>
      }
    >
      <Outcome notice={notice && (!saved || notice.version >= saved.version) ? notice.text : undefined} error={saveError} />
      <Tabs
        label="Endpoint"
        tabs={[
          ['code', 'Code'],
          ['builder', 'Builder'],
          ['test', 'Test'],
          ['versions', 'Versions'],
        ]}
        current={tab}
        onChange={(t) => navigate(name ? href('endpoints', name, t) : href('endpoints', 'new') + `?tab=${t}`)}
      />
      {canBeside ? (
        <label class="check beside-switch">
          <input type="checkbox" checked={beside} onChange={(e) => showBeside(e.currentTarget.checked)} /> Test console beside the {tab === 'code' ? 'code' : 'builder'}
        </label>
      ) : null}
      {canBeside && beside ? (
        <div class="beside">
          <div class="beside-main">
            <Current {...tabProps} />
          </div>
          <section class="beside-console" aria-label="Test console">
            <TABS.test {...tabProps} />
          </section>
        </div>
      ) : (
        <Current {...tabProps} />
      )}
    </Page>
  );
}
