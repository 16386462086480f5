import { useState } from "preact/hooks";
import { ApiError, get, listOf, post } from "../api.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { dateTime } from "../format.js";
import type { DeadLetter, Session } from "../types.js";

/** Notifications that could not be delivered, with a Resend button each. */
export function DeadLetters({ session }: { session: Session }) {
  const letters = useData(
    () => get<unknown>("/api/dead-letters").then((r) => listOf<DeadLetter>(r, "deadLetters")),
    [],
    () => false,
  );
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState("");
  const resend = (letter: DeadLetter) => {
    setBusy(letter.id);
    post<{ message?: string; delivered?: boolean }>(
      `/api/dead-letters/${encodeURIComponent(letter.id)}/resend`,
    ).then(
      (result) => {
        setBusy("");
        setMessage({ text: result?.message ?? `Re-sent ${letter.id} to ${letter.channel}.`, error: false });
        letters.reload();
      },
      (e: unknown) => {
        setBusy("");
        setMessage({ text: e instanceof ApiError ? e.message : String(e), error: true });
        letters.reload();
      },
    );
  };
  const canResend = session.user.role !== "viewer";
  return (
    <section>
      <h1 tabIndex={-1}>Dead letters</h1>
      <p class="muted">Notifications every retry failed to deliver. Resend tries the channel once more.</p>
      {message && (
        <p class={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      <LoadState
        error={letters.error}
        loading={letters.loading && !letters.data}
        what="Dead letters"
        optional
      />
      {letters.data && letters.data.length === 0 && <p class="muted">No dead letters.</p>}
      {letters.data && letters.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Since (UTC)</th>
              <th scope="col">Channel</th>
              <th scope="col">Event</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              {canResend && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {letters.data.map((letter) => (
              <tr key={letter.id}>
                <td class="mono">{dateTime(letter.createdAt)}</td>
                <td>{letter.channel}</td>
                <td>{letter.notification?.event?.type ?? ""}</td>
                <td>{letter.attempts}</td>
                <td class="wrap">{letter.lastError}</td>
                {canResend && (
                  <td>
                    <button
                      type="button"
                      disabled={busy !== ""}
                      onClick={() => resend(letter)}
                      aria-label={`Resend ${letter.notification?.event?.type ?? "notification"} to ${letter.channel}`}
                    >
                      {busy === letter.id ? "Resending…" : "Resend"}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
