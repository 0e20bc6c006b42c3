import { useState } from 'preact/hooks';
import { signIn } from '../session';
import { Field, ProblemView, useAction } from '../ui';

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(() => signIn(email, password));
  return (
    <main class="login" id="main">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run();
        }}
      >
        <h1>Sign in to Slipway Studio</h1>
        <Field label="Email">
          {(id) => <input id={id} type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />}
        </Field>
        <Field label="Password">
          {(id) => (
            <input id={id} type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          )}
        </Field>
        <ProblemView error={action.error} />
        <button class="primary" type="submit" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          No account yet? An owner makes one with <code>bin/slipway admin create-user</code>.
        </p>
      </form>
    </main>
  );
}
