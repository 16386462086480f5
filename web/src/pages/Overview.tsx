import { useState } from "preact/hooks";
import { ApiError, get, listOf, post } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { WeightsBar } from "../components/WeightsBar.js";
import { useData } from "../data.js";
import { ago } from "../format.js";
import { field } from "../form.js";
import { navigate } from "../router.js";
import type { DataPlaneHost, EnvironmentStatus, Rollout, Session, StatusReply } from "../types.js";

/** Services as rows, environments as columns: what is live, the rollout in progress, the split. */
export function Overview({ session }: { session: Session }) {
  const status = useData(() => get<StatusReply>("/api/status"), []);
  const rollouts = useData(
    () => get<unknown>("/api/rollouts?limit=10").then((r) => listOf<Rollout>(r, "rollouts")),
    [],
  );
  const envs = status.data?.environments ?? [];
  const services = [...new Set(envs.map((e) => e.service))].sort();
  const environments = [...new Set(envs.map((e) => e.environment))].sort();
  const cell = (service: string, environment: string) =>
    envs.find((e) => e.service === service && e.environment === environment);

  return (
    <section>
      <h1 tabIndex={-1}>Overview</h1>
      <LoadState error={status.error} loading={status.loading && !status.data} what="the status" />
      {status.data?.proxyUrl && (
        <p class="muted" data-testid="data-plane">
          Traffic at {status.data.proxyUrl}, served by{" "}
          {status.data.dataPlane === "haproxy" ? "HAProxy" : "the built-in proxy"}.
        </p>
      )}
      {status.data && services.length === 0 && <p class="muted">Nothing deployed yet.</p>}
      {services.length > 0 && (
        <table class="grid" data-testid="overview">
          <caption class="sr-only">
            Live version, rollout and traffic split per service and environment
          </caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              {environments.map((env) => (
                <th scope="col" key={env}>
                  {env}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {services.map((service) => (
              <tr key={service}>
                <th scope="row">{service}</th>
                {environments.map((env) => (
                  <td key={env}>
                    <Cell status={cell(service, env)} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <DataPlanes envs={envs} />
      {session.user.role !== "viewer" && <DeployForm envs={envs} />}
      <h2>Recent rollouts</h2>
      <LoadState error={rollouts.error} loading={rollouts.loading && !rollouts.data} what="rollouts" />
      {rollouts.data && <RolloutList rollouts={rollouts.data} />}
    </section>
  );
}

function Cell({ status }: { status: EnvironmentStatus | undefined }) {
  if (!status) return <span class="muted">—</span>;
  const rollout = status.rollout ?? status.lastRollout;
  return (
    <div class="cell" data-testid={`cell-${status.service}-${status.environment}`}>
      <div>
        <span class="version">{status.live ?? "nothing live"}</span>{" "}
        {rollout && (
          <a
            href={`/rollouts/${encodeURIComponent(rollout.id)}`}
            aria-label={`${rollout.kind === "rollback" ? "rollback to" : "rollout of"} ${rollout.candidate.version}: ${rollout.phase}`}
          >
            {rollout.kind === "rollback" ? "rollback to" : "rollout"} {rollout.candidate.version}{" "}
            <Badge value={rollout.phase} />
          </a>
        )}
      </div>
      {status.serving && status.serving.status !== "ok" && (
        // A weight bar at 100 % says nothing while no request gets through: say so above it.
        <div class="serving" data-testid="serving">
          <span class={`badge ${status.serving.status === "down" ? "bad" : "warn"}`}>
            {status.serving.status}
          </span>{" "}
          <span class="muted">{status.serving.problems.join("; ")}</span>
        </div>
      )}
      <WeightsBar revisions={status.revisions} />
    </div>
  );
}

/**
 * The hosts that serve each environment's routes besides this machine (`dataPlanes`): whether each
 * holds the current route table, and why not. Nothing without such hosts.
 */
function DataPlanes({ envs }: { envs: EnvironmentStatus[] }) {
  // Every service of an environment reports the same hosts: one row per environment and host.
  const hosts = new Map<string, DataPlaneHost[]>();
  for (const e of envs)
    if (e.dataPlanes?.length && !hosts.has(e.environment)) hosts.set(e.environment, e.dataPlanes);
  if (hosts.size === 0) return null;
  return (
    <>
      <h2>Data planes</h2>
      <table class="list" data-testid="data-planes">
        <caption class="sr-only">
          Hosts serving each environment's routes and the route table each holds
        </caption>
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col">Host</th>
            <th scope="col">State</th>
            <th scope="col">Route table</th>
            <th scope="col">Acknowledged</th>
          </tr>
        </thead>
        <tbody>
          {[...hosts]
            .sort(([a], [b]) => a.localeCompare(b))
            .flatMap(([environment, list]) =>
              list.map((host) => (
                <tr key={`${environment}/${host.name}`} data-testid={`data-plane-${host.name}`}>
                  <td>{environment}</td>
                  <td>
                    {host.name} <span class="muted">{host.admin}</span>
                  </td>
                  <td>
                    <Badge value={host.health} />
                    {host.error && <span class="muted"> {host.error}</span>}
                  </td>
                  <td>{tableOf(host)}</td>
                  <td>{host.acknowledgedAt === null ? "never" : ago(host.acknowledgedAt)}</td>
                </tr>
              )),
            )}
        </tbody>
      </table>
    </>
  );
}

function tableOf(host: DataPlaneHost): string {
  if (host.generation === null) return "none yet";
  const behind = host.desiredGeneration !== null && host.generation !== host.desiredGeneration;
  return `generation ${host.generation}${behind ? ` of ${host.desiredGeneration}` : ""}`;
}

export function RolloutList({ rollouts }: { rollouts: Rollout[] }) {
  if (rollouts.length === 0) return <p class="muted">No rollouts yet.</p>;
  return (
    <table class="list">
      <thead>
        <tr>
          <th scope="col">Rollout</th>
          <th scope="col">Service</th>
          <th scope="col">Environment</th>
          <th scope="col">Phase</th>
          <th scope="col">By</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {rollouts.map((r) => (
          <tr key={r.id}>
            <td>
              <a href={`/rollouts/${encodeURIComponent(r.id)}`}>
                {r.kind === "rollback" ? "rollback to " : ""}
                {r.candidate.version}
              </a>
            </td>
            <td>{r.service}</td>
            <td>{r.environment}</td>
            <td>
              <Badge value={r.phase} />
            </td>
            <td>{r.actor}</td>
            <td>{ago(r.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeployForm({ envs }: { envs: EnvironmentStatus[] }) {
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const body = {
      service: field(form, "service"),
      environment: field(form, "environment"),
      version: field(form, "version"),
      ...(field(form, "reason") ? { reason: field(form, "reason") } : {}),
    };
    setBusy(true);
    post<{ result: string; message: string; rollout?: Rollout }>("/api/deployments", body).then(
      (result) => {
        setBusy(false);
        setMessage({ text: result.message, error: false });
        if (result.rollout) navigate(`/rollouts/${encodeURIComponent(result.rollout.id)}`);
      },
      (e: unknown) => {
        setBusy(false);
        setMessage({ text: e instanceof ApiError ? e.message : String(e), error: true });
      },
    );
  };
  const services = [...new Set(envs.map((e) => e.service))];
  const environments = [...new Set(envs.map((e) => e.environment))];
  return (
    <form class="deploy" onSubmit={submit} aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy</h2>
      <label>
        Service
        <input name="service" list="services" required defaultValue={services[0] ?? ""} />
      </label>
      <label>
        Environment
        <input
          name="environment"
          list="environments"
          required
          defaultValue={environments[0] ?? "production"}
        />
      </label>
      <label>
        Version
        <input name="version" required placeholder="v2" />
      </label>
      <label class="wide">
        Reason
        <input name="reason" placeholder="optional" />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Deploying…" : "Deploy"}
      </button>
      <datalist id="services">
        {services.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <datalist id="environments">
        {environments.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      {message && (
        <p class={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
