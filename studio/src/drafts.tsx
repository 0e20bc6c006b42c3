// What the chat and the templates show of the drafts they saved: their test results, and a button
// that deploys exactly those versions (POST /api/deploy with each {name, version}, for roles that
// may deploy), then the release it made.
import { useState } from 'preact/hooks';
import { ApiError, post } from './api';
import { href } from './router';
import { can } from './session';
import { ProblemView, toApiError } from './ui';

export type TestOutcome = { name: string; passed: boolean; status?: number; detail?: string };

/** "n of m passed", green when all did. */
export function PassCount({ results }: { results: TestOutcome[] }) {
  const passed = results.filter((r) => r.passed).length;
  return (
    <span class={`badge ${passed === results.length ? 'good' : 'bad'}`}>
      {passed} of {results.length} passed
    </span>
  );
}

export function TestResults({ results }: { results: TestOutcome[] }) {
  return (
    <ul class="results">
      {results.map((r) => (
        <li class={r.passed ? 'passed' : 'failed'}>
          {r.passed ? '✓' : '✗'} {r.name} {r.status ? <span class="muted small">({r.status})</span> : null}
          {r.detail ? <div class="small">{r.detail}</div> : null}
        </li>
      ))}
    </ul>
  );
}

export function DeployDrafts({ versions, note, released, label = 'Deploy' }: { versions: { name: string; version: number }[]; note: string; released?: number; label?: string }) {
  const [release, setRelease] = useState<number | undefined>(released);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const deploy = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setRelease((await post<{ id: number }>('/api/deploy', { endpoints: versions.map((v) => ({ name: v.name, version: v.version })), note })).id);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <ProblemView error={error} />
      {release ? (
        <p class="notice" role="status">
          Deployed: release {release}. <a href={href('deploys')}>See deploys</a>
        </p>
      ) : can('deploy') ? (
        <button class="primary" type="button" disabled={busy} onClick={deploy}>
          {busy ? 'Deploying…' : label}
        </button>
      ) : null}
    </>
  );
}
