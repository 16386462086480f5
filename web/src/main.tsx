import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { currentSession, prefetch, signOut, whenUnauthenticated } from "./api.js";
import { connect, disconnect, onLiveState, type LiveState } from "./live.js";
import { interceptLinks, navigate, useLocation } from "./router.js";
import type { Session } from "./types.js";
import { can, type Action } from "./permissions.js";
import { SignIn } from "./pages/SignIn.js";
import { Overview } from "./pages/Overview.js";
import { RolloutPage } from "./pages/Rollout.js";
import { Pipelines } from "./pages/Pipelines.js";
import { History } from "./pages/History.js";
import { DeadLetters } from "./pages/DeadLetters.js";
import { Evidence } from "./pages/Evidence.js";
import { FlagDetail, FlagsList } from "./pages/Flags.js";
import { Channels } from "./pages/Channels.js";
import { ExperimentDetail, ExperimentsList } from "./pages/Experiments.js";
import "./styles.css";

/** Each page with the action reading it needs: a link the role cannot use is not shown. */
const NAV = [
  ["/", "Overview", "read"],
  ["/pipelines", "Pipelines", "read"],
  ["/flags", "Flags", "read"],
  ["/channels", "Channels", "read"],
  ["/experiments", "Experiments", "read"],
  ["/history", "History", "read-audit"],
  ["/dead-letters", "Dead letters", "read-dead-letters"],
] as const satisfies readonly (readonly [string, string, Action])[];

function LiveIndicator() {
  const [state, setState] = useState<LiveState>("connecting");
  useEffect(() => onLiveState(setState), []);
  const text = state === "live" ? "live" : state === "connecting" ? "connecting…" : "reconnecting…";
  return (
    <span class={`live ${state}`} role="status" aria-live="polite" data-testid="live">
      {text}
    </span>
  );
}

function Page({ path, session }: { path: string; session: Session }) {
  const rollout = /^\/rollouts\/([^/]+)$/.exec(path);
  if (rollout) return <RolloutPage id={decodeURIComponent(rollout[1]!)} session={session} />;
  const flag = /^\/flags\/([^/]+)$/.exec(path);
  if (flag) return <FlagDetail flagKey={decodeURIComponent(flag[1]!)} session={session} />;
  const experiment = /^\/experiments\/([^/]+)$/.exec(path);
  if (experiment)
    return <ExperimentDetail experimentKey={decodeURIComponent(experiment[1]!)} session={session} />;
  const release = /^\/releases\/([^/]+)\/([^/]+)$/.exec(path);
  if (release)
    return <Evidence service={decodeURIComponent(release[1]!)} version={decodeURIComponent(release[2]!)} />;
  const run = /^\/pipelines\/([^/]+)$/.exec(path);
  if (run) return <Pipelines session={session} runId={decodeURIComponent(run[1]!)} />;
  switch (path) {
    case "/":
      return <Overview session={session} />;
    case "/pipelines":
      return <Pipelines session={session} />;
    case "/history":
      return <History />;
    case "/flags":
      return <FlagsList session={session} />;
    case "/channels":
      return <Channels />;
    case "/experiments":
      return <ExperimentsList />;
    case "/dead-letters":
      return <DeadLetters session={session} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No page at {path}. <a href="/">Back to the overview</a>.
          </p>
        </section>
      );
  }
}

function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState("");

  useEffect(() => {
    whenUnauthenticated(() => setSession(null));
    firstSession.then(setSession, (e: Error) => setFailure(e.message));
  }, []);
  useEffect(() => {
    if (session) connect();
    else disconnect();
  }, [session]);
  useEffect(() => {
    // Move focus to the new page's heading so keyboard and screen-reader users land on it.
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [path, session]);

  if (failure)
    return (
      <p class="error" role="alert">
        Cannot reach the control plane: {failure}
      </p>
    );
  if (session === undefined)
    return (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  if (session === null) {
    return (
      <main id="main">
        <SignIn
          onSignedIn={(s) => {
            setSession(s);
            if (path === "/sign-in") navigate("/");
          }}
        />
      </main>
    );
  }
  const current = (href: string) =>
    href === "/" ? path === "/" || path.startsWith("/rollouts/") : path.startsWith(href);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Slipway
        </a>
        <nav aria-label="Main">
          {NAV.filter(([, , action]) => can(session, action)).map(([href, label]) => (
            <a key={href} href={href} aria-current={current(href) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <LiveIndicator />
        <span class="who">
          {session.user.name} <span class="muted">({session.user.role})</span>
        </span>
        {!session.open && (
          <button
            type="button"
            class="link"
            onClick={() => {
              void signOut().then(() => setSession(null));
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {session.open && (
          <p class="notice" role="status">
            This control plane has no sign-in: everyone on this machine acts as admin.
          </p>
        )}
        <Page path={path === "/sign-in" ? "/" : path} session={session} />
      </main>
    </>
  );
}

// The session check starts before the first render, and the overview's data (the page most loads
// land on) is fetched alongside it.
const firstSession = currentSession();
if (location.pathname === "/") prefetch("/api/status", "/api/rollouts?limit=10");
const root = document.getElementById("app")!;
interceptLinks(root);
render(<App />, root);
