// The shell: sign-in, the navigation and the screen the hash names. Only the endpoints list is in
// the first download; every other screen loads when first opened.
import { useState } from 'preact/hooks';
import { lazy } from './lazy';
import { href, useRoute } from './router';
import { can, signOut, useMe, type Ability } from './session';
import { Loading } from './ui';
import { Endpoints } from './screens/Endpoints';
import { Login } from './screens/Login';

const Endpoint = lazy(() => import('./screens/Endpoint'));
const NewEndpoint = lazy(() => import('./screens/NewEndpoint'));
const Templates = lazy(() => import('./screens/Templates'));
const Chat = lazy(() => import('./screens/Chat'));
const Deploys = lazy(() => import('./screens/Deploys'));
const Jobs = lazy(() => import('./screens/Jobs'));
const Logs = lazy(() => import('./screens/Logs'));
const Analytics = lazy(() => import('./screens/Analytics'));
const Admin = lazy(() => import('./screens/Admin'));

const NAV: [string, string, Ability][] = [
  ['endpoints', 'Endpoints', 'read'],
  ['templates', 'Templates', 'deploy'],
  ['chat', 'Chat', 'chat'],
  ['deploys', 'Deploys', 'read'],
  ['jobs', 'Jobs', 'read'],
  ['logs', 'Logs', 'read'],
  ['analytics', 'Analytics', 'read'],
  ['admin', 'Admin', 'read'],
];

export function App() {
  const me = useMe();
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  if (me === undefined) return <Loading what="Starting the Studio" />;
  if (me === null) return <Login />;
  const [area = 'endpoints', ...rest] = route.path;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('endpoints')}>
          Slipway <span>Studio</span>
        </a>
        <button class="menu-toggle" type="button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="Studio">
          {NAV.filter(([, , ability]) => can(ability, me)).map(([id, name]) => (
            <a href={href(id)} aria-current={area === id ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
              {name}
            </a>
          ))}
        </nav>
        <div class="who">
          <span data-testid="who">
            {me.user?.email ?? me.key?.name} · {me.org.name} · <span class="role">{me.role}</span>
          </span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen area={area} rest={rest} params={route.params} />
      </main>
    </div>
  );
}

function Screen({ area, rest, params }: { area: string; rest: string[]; params: URLSearchParams }) {
  switch (area) {
    case 'endpoints':
      if (rest[0] === 'new') return <NewEndpoint />;
      if (rest[0]) return <Endpoint name={rest[0]} tab={rest[1] ?? 'code'} params={params} />;
      return <Endpoints />;
    case 'templates':
      return <Templates name={rest[0]} />;
    case 'chat':
      return <Chat chatId={rest[0]} />;
    case 'deploys':
      return <Deploys releaseId={rest[0]} params={params} />;
    case 'jobs':
      return <Jobs section={rest[0] ?? 'jobs'} params={params} />;
    case 'logs':
      return <Logs requestId={rest[0]} params={params} />;
    case 'analytics':
      return <Analytics params={params} />;
    case 'admin':
      return <Admin section={rest[0] ?? 'members'} />;
    default:
      return <p role="alert">No such page.</p>;
  }
}
