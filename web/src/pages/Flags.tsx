import { useState } from "preact/hooks";
import { api, ApiError, get, post } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import {
  changeSummary,
  definitionOf,
  outcomeText,
  rulesOf,
  targetingSummary,
  type FlagChange,
  type FlagView,
  type Outcome,
} from "../flags.js";
import { field } from "../form.js";
import { dateTime } from "../format.js";
import { navigate } from "../router.js";
import type { Session } from "../types.js";

const COLORS = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)"];
const flagPath = (key: string) => `/api/flags/${encodeURIComponent(key)}`;
const canEdit = (session: Session) => session.user.role !== "viewer";

/** A refused change: the message and, for 422, every problem with its JSON pointer. */
function Problems({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <p>{error.message}</p>
      {error.problems.length > 0 && (
        <ul class="problems">
          {error.problems.map((p) => (
            <li key={p} class="mono">
              {p}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const toApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)));

/** The flags list: state, default, targeting in a line, where each flag is defined. */
export function FlagsList({ session }: { session: Session }) {
  const flags = useData(() => get<{ flags: FlagView[] }>("/api/flags").then((r) => r.flags), []);
  return (
    <section>
      <h1 tabIndex={-1}>Flags</h1>
      <p class="muted">
        Feature flags in flagd's format, served over OFREP. Flags from repository files are read-only here.
      </p>
      <LoadState error={flags.error} loading={flags.loading && !flags.data} what="Flags" optional />
      {flags.data && flags.data.length === 0 && <p class="muted">No flags yet.</p>}
      {flags.data && flags.data.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">State</th>
              <th scope="col">Targeting</th>
              <th scope="col">Source</th>
              <th scope="col">Last change (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {flags.data.map((flag) => (
              <tr key={flag.key}>
                <td>
                  <a href={`/flags/${encodeURIComponent(flag.key)}`}>{flag.key}</a>
                </td>
                <td>
                  <Badge value={flag.state} />
                </td>
                <td>{targetingSummary(flag)}</td>
                <td>{flag.source === "file" ? <span class="mono">{flag.file}</span> : "API"}</td>
                <td>{flag.updatedAt ? `${dateTime(flag.updatedAt)} by ${flag.updatedBy ?? "?"}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit(session) && <NewFlag onCreated={(key) => navigate(`/flags/${encodeURIComponent(key)}`)} />}
    </section>
  );
}

const TEMPLATE = JSON.stringify(
  { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" },
  null,
  2,
);

function NewFlag({ onCreated }: { onCreated: (key: string) => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const key = field(form, "key");
    const parsed = parseDefinition(field(form, "definition", true));
    if (parsed instanceof ApiError) return setError(parsed);
    setBusy(true);
    api<{ flag: FlagView }>("PUT", flagPath(key), { flag: parsed, reason: field(form, "reason") }).then(
      () => onCreated(key),
      (e: unknown) => {
        setBusy(false);
        setError(toApiError(e));
      },
    );
  };
  return (
    <details class="panel">
      <summary>New flag</summary>
      <form onSubmit={submit} class="stack">
        <label>
          Key <input name="key" required pattern="[A-Za-z0-9_.:\-]+" autocomplete="off" />
        </label>
        <label>
          Definition (flagd JSON)
          <textarea name="definition" rows={8} class="mono" spellcheck={false}>
            {TEMPLATE}
          </textarea>
        </label>
        <label>
          Reason <input name="reason" required autocomplete="off" />
        </label>
        <Problems error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create flag"}
        </button>
      </form>
    </details>
  );
}

/** JSON text to a definition, or the parse error located as the browser reports it. */
function parseDefinition(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return new ApiError(0, "CLIENT", `The definition is not valid JSON: ${(e as Error).message}`);
  }
}

/** A fractional split as a bar with its text (the colour repeats what the text says). */
function SplitBar({ outcome }: { outcome: Extract<Outcome, { kind: "split" }> }) {
  const text = outcomeText(outcome);
  return (
    <div class="weights" data-testid="split">
      <div class="bar" role="img" aria-label={`split: ${text}`}>
        {outcome.shares.map((s, i) => (
          <span
            key={s.variant}
            class="seg"
            style={{ width: `${s.percent}%`, background: COLORS[i % COLORS.length] }}
            title={`${s.variant}: ${s.percent}%`}
          />
        ))}
      </div>
      <div class="legend">{text}</div>
    </div>
  );
}

function Serve({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === "split") return <SplitBar outcome={outcome} />;
  if (outcome.kind === "variant") return <strong class="mono">{outcome.variant}</strong>;
  return <span>{outcomeText(outcome)}</span>;
}

/** Targeting as numbered rules in words, with the raw JSON one click away. */
function Targeting({ flag }: { flag: FlagView }) {
  const rules = rulesOf(flag.targeting);
  if (rules.length === 0)
    return (
      <p data-testid="targeting">
        No targeting: everyone gets{" "}
        <strong class="mono">{flag.defaultVariant ?? "the caller's default"}</strong>.
      </p>
    );
  return (
    <>
      <ol class="rules" data-testid="targeting">
        {rules.map((rule, i) => (
          <li key={i}>
            {rule.when !== undefined ? (
              <>
                If <span class="mono">{rule.when}</span>, serve{" "}
              </>
            ) : (
              <>{rules.length > 1 ? "Otherwise serve " : "Serve "}</>
            )}
            <Serve outcome={rule.serve} />
          </li>
        ))}
      </ol>
      <details>
        <summary>Targeting as JSON</summary>
        <pre class="mono">{JSON.stringify(flag.targeting, null, 2)}</pre>
      </details>
    </>
  );
}

/** One flag: facts, variants, targeting, controls for deployers, and its change history. */
export function FlagDetail({ flagKey, session }: { flagKey: string; session: Session }) {
  const loaded = useData(() => get<{ flag: FlagView; history: FlagChange[] }>(flagPath(flagKey)), [flagKey]);
  const flag = loaded.data?.flag;
  const editable = canEdit(session) && flag?.source === "api";
  return (
    <section>
      <p>
        <a href="/flags">← Flags</a>
      </p>
      <h1 tabIndex={-1}>{flagKey}</h1>
      <LoadState error={loaded.error} loading={loaded.loading && !loaded.data} what={`Flag ${flagKey}`} />
      {flag && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <Badge value={flag.state} />
            </dd>
            <dt>Default variant</dt>
            <dd class="mono">{flag.defaultVariant ?? "none (caller's default)"}</dd>
            <dt>Source</dt>
            <dd>{flag.source === "file" ? <span class="mono">{flag.file}</span> : "API"}</dd>
            <dt>Last change (UTC)</dt>
            <dd>{flag.updatedAt ? `${dateTime(flag.updatedAt)} by ${flag.updatedBy ?? "?"}` : "—"}</dd>
          </dl>
          {flag.source === "file" && canEdit(session) && (
            <p class="notice" role="status">
              Defined in {flag.file}: change it in the repository.
            </p>
          )}
          <h2>Variants</h2>
          <table class="list" data-testid="variants">
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(flag.variants).map(([name, value]) => (
                <tr key={name}>
                  <td class="mono">
                    {name}
                    {name === flag.defaultVariant && <span class="muted"> (default)</span>}
                  </td>
                  <td class="mono wrap">{JSON.stringify(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Targeting</h2>
          <Targeting flag={flag} />
          {flag.metadata && Object.keys(flag.metadata).length > 0 && (
            <>
              <h2>Metadata</h2>
              <dl class="facts">
                {Object.entries(flag.metadata).map(([k, v]) => [
                  <dt key={`t${k}`}>{k}</dt>,
                  <dd key={`d${k}`}>{String(v)}</dd>,
                ])}
              </dl>
            </>
          )}
          {editable && <FlagControls flag={flag} onChanged={loaded.reload} />}
        </>
      )}
      {loaded.data && <FlagHistory history={loaded.data.history} />}
    </section>
  );
}

function FlagControls({ flag, onChanged }: { flag: FlagView; onChanged: () => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const run = (request: Promise<unknown>, what: string, form: HTMLFormElement) => {
    setBusy(true);
    setError(undefined);
    setDone("");
    request.then(
      () => {
        setBusy(false);
        setDone(what);
        form.reset();
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setError(toApiError(e));
      },
    );
  };
  const next = flag.state === "ENABLED" ? "DISABLED" : "ENABLED";
  const toggle = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const reason = field(new FormData(form), "reason");
    run(
      post(`${flagPath(flag.key)}/state`, { state: next, reason }),
      next === "ENABLED" ? "Enabled." : "Disabled.",
      form,
    );
  };
  const save = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const parsed = parseDefinition(field(data, "definition", true));
    if (parsed instanceof ApiError) return setError(parsed);
    run(api("PUT", flagPath(flag.key), { flag: parsed, reason: field(data, "reason") }), "Saved.", form);
  };
  return (
    <>
      <h2>Change</h2>
      {done && (
        <p class="muted" role="status">
          {done}
        </p>
      )}
      <Problems error={error} />
      <form
        onSubmit={toggle}
        class="inline"
        aria-label={`${next === "ENABLED" ? "Enable" : "Disable"} ${flag.key}`}
      >
        <label>
          Reason <input name="reason" required autocomplete="off" />
        </label>
        <button type="submit" disabled={busy}>
          {next === "ENABLED" ? "Enable" : "Disable"}
        </button>
      </form>
      <details class="panel">
        <summary>Edit definition</summary>
        <form onSubmit={save} class="stack" aria-label={`Edit ${flag.key}`}>
          <label>
            Definition (flagd JSON)
            <textarea key={JSON.stringify(flag)} name="definition" rows={14} class="mono" spellcheck={false}>
              {JSON.stringify(definitionOf(flag), null, 2)}
            </textarea>
          </label>
          <label>
            Reason <input name="reason" required autocomplete="off" />
          </label>
          <button type="submit" disabled={busy}>
            Save
          </button>
        </form>
      </details>
    </>
  );
}

function FlagHistory({ history }: { history: FlagChange[] }) {
  return (
    <>
      <h2>History</h2>
      {history.length === 0 ? (
        <p class="muted">No changes through the API.</p>
      ) : (
        <table class="list" data-testid="history">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Changed</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {history.map((change) => (
              <tr key={change.id}>
                <td class="mono">{dateTime(change.at)}</td>
                <td>{change.actor}</td>
                <td>{change.action}</td>
                <td>{changeSummary(change)}</td>
                <td class="wrap">{change.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
