import { get } from "../api.js";
import { Badge } from "../components/Badge.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { dateTime } from "../format.js";

interface ChannelService {
  service: string;
  version: string | null;
  live: string | null;
  movedAt: string | null;
  movedBy: string | null;
  rollout: { id: string; phase: string } | null;
}
interface Channel {
  name: string;
  strategy: "blue-green" | "canary" | "flag";
  description?: string;
  environment?: string;
  flag?: string;
  variant?: string;
  services: ChannelService[];
}
interface Move {
  id: number;
  service: string;
  version: string;
  previous?: string;
  from?: string;
  kind: "move" | "rollback";
  rolloutId?: string;
  actor: string;
  reason: string;
  at: string;
}

const controls = (c: Channel) =>
  c.strategy === "flag"
    ? `flag ${c.flag ?? ""} → variant ${c.variant ?? ""}`
    : `environment ${c.environment ?? ""}`;

/** "rolled back to v1 (was v2)", "v2 from beta (was v1)". */
const moveText = (m: Move) =>
  `${m.kind === "rollback" ? "rolled back to " : ""}${m.version}${m.from ? ` from ${m.from}` : ""}${m.previous ? ` (was ${m.previous})` : ""}`;

async function load(): Promise<{ channel: Channel; history: Move[] }[]> {
  const { channels } = await get<{ channels: Channel[] }>("/api/channels");
  return Promise.all(
    channels.map((c) =>
      get<{ channel: Channel; history: Move[] }>(`/api/channels/${encodeURIComponent(c.name)}?limit=20`),
    ),
  );
}

/**
 * Release channels: each channel's strategy, what it controls, per service the version it holds
 * and what actually serves, and its history (who moved what when, and why). Moves are made with
 * `slipway channel move` or the API, through the deploy gate.
 */
export function Channels() {
  const data = useData(load, [], (change) => change.kind !== "run");
  return (
    <section>
      <h1 tabIndex={-1}>Channels</h1>
      <p class="muted">
        Release channels from slipway.yaml. Move a version with <code>slipway channel move</code>; roll a
        channel back with <code>slipway channel rollback</code>.
      </p>
      <LoadState error={data.error} loading={data.loading && !data.data} what="Channels" optional />
      {data.data && data.data.length === 0 && (
        <p class="muted">No channels: declare them under channels: in slipway.yaml.</p>
      )}
      {data.data && data.data.length > 0 && (
        <table class="list" data-testid="channels">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Strategy</th>
              <th scope="col">Controls</th>
              <th scope="col">Service</th>
              <th scope="col">Version</th>
              <th scope="col">Serving</th>
              <th scope="col">Moved (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.data.flatMap(({ channel: c }) =>
              c.services.map((s) => (
                <tr key={`${c.name}/${s.service}`}>
                  <td>{c.name}</td>
                  <td>
                    <Badge value={c.strategy} />
                  </td>
                  <td>{controls(c)}</td>
                  <td>{s.service}</td>
                  <td class="mono">{s.version ?? "—"}</td>
                  <td class="mono">
                    {s.live ?? "—"}
                    {s.rollout && (
                      <>
                        {" "}
                        <a href={`/rollouts/${encodeURIComponent(s.rollout.id)}`}>{s.rollout.phase}</a>
                      </>
                    )}
                  </td>
                  <td>{s.movedAt ? `${dateTime(s.movedAt)} by ${s.movedBy ?? "?"}` : ""}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      {data.data?.map(({ channel: c, history }) => (
        <section key={c.name} aria-labelledby={`channel-${c.name}`}>
          <h2 id={`channel-${c.name}`}>
            {c.name}
            {c.description ? ` — ${c.description}` : ""}
          </h2>
          {history.length === 0 ? (
            <p class="muted">No moves yet.</p>
          ) : (
            <table class="list" data-testid={`history-${c.name}`}>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Who</th>
                  <th scope="col">Service</th>
                  <th scope="col">Move</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {history.map((m) => (
                  <tr key={m.id}>
                    <td>{dateTime(m.at)}</td>
                    <td>{m.actor}</td>
                    <td>{m.service}</td>
                    <td class="mono">{moveText(m)}</td>
                    <td>{m.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </section>
  );
}
