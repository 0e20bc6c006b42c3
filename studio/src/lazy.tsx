// Screens load when first shown, so the first page needs only the shell and the endpoints list.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Loading } from './ui';

export function lazy<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [screen, setScreen] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState<string>();
    useEffect(() => {
      if (loaded) return;
      load().then(
        (m) => setScreen(() => (loaded = m.default)),
        (e) => setFailed(String(e)),
      );
    }, []);
    if (failed) return <p role="alert">This part of the Studio did not load: {failed}</p>;
    const Screen = screen;
    return Screen ? <Screen {...props} /> : <Loading />;
  };
}
