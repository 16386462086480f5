import { useState } from "preact/hooks";
import { ApiError, signIn } from "../api.js";
import { field } from "../form.js";
import type { Session } from "../types.js";

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    signIn(field(form, "username"), field(form, "password", true)).then(onSignedIn, (e: unknown) => {
      setBusy(false);
      setError(
        e instanceof ApiError && e.status === 401 ? "Wrong user name or password." : (e as Error).message,
      );
    });
  };
  return (
    <section class="signin">
      <h1 tabIndex={-1}>Sign in to Slipway</h1>
      <form onSubmit={submit} aria-describedby={error ? "signin-error" : undefined}>
        <label>
          User name
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p id="signin-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
