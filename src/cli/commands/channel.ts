import type { Command } from "commander";
import type { ChannelMoveResult } from "../../server/channel-moves.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import type { ChannelMove } from "../../store/ports/channel-store.js";
import { wholeNumber } from "../options.js";
import { printJson } from "../output.js";
import { waitForDecision } from "./deploy.js";

interface ChannelService {
  service: string;
  version: string | null;
  live: string | null;
  movedAt: string | null;
  movedBy: string | null;
  routes?: { id: string; hosts: string[]; pathPrefix: string }[];
  rollout: { id: string; phase: string; outcome: string | null } | null;
}
interface ChannelView {
  name: string;
  strategy: "blue-green" | "canary" | "flag";
  description?: string;
  environment?: string;
  flag?: string;
  variant?: string;
  services: ChannelService[];
}

const controls = (c: ChannelView) =>
  c.strategy === "flag"
    ? `flag ${c.flag ?? ""} variant ${c.variant ?? ""}`
    : `environment ${c.environment ?? ""}`;

const holding = (s: ChannelService) =>
  `${s.service} ${s.version ?? "-"}${s.live !== null && s.live !== s.version ? ` (serving ${s.live})` : ""}`;

function printMove(m: ChannelMove): void {
  const what = m.kind === "rollback" ? "rolled back to" : m.from ? `promoted from ${m.from}:` : "moved";
  process.stdout.write(
    `${m.at}  ${m.actor.padEnd(10)} ${m.service} ${what} ${m.version}${m.previous ? ` (was ${m.previous})` : ""}${m.rolloutId ? ` [${m.rolloutId}]` : ""}  ${m.reason}\n`,
  );
}

async function report(
  api: ApiClient,
  result: ChannelMoveResult,
  options: { json?: boolean; wait?: boolean },
) {
  if (options.json) printJson(result);
  else process.stdout.write(`${result.message}\n`);
  const id = result.deploy?.rollout?.id;
  if (options.wait && id) await waitForDecision(api, id, !options.json);
}

/**
 * `slipway channel list|show|move|rollback`: release channels (stable, beta, alpha…) as
 * slipway.yaml declares them, moves of a version between them, and one-command rollback.
 */
export function registerChannel(program: Command): void {
  const channel = program
    .command("channel")
    .description(
      "Release channels (stable, beta, alpha…): what each holds, move a version between them, roll back",
    );

  channel
    .command("list")
    .description("Every channel: strategy, what it controls, and each service's version in it")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { channels } = await new ApiClient(serverUrl()).get<{ channels: ChannelView[] }>("/api/channels");
      if (options.json) return printJson(channels);
      if (channels.length === 0)
        process.stdout.write("no channels: declare them under channels: in slipway.yaml\n");
      for (const c of channels) {
        process.stdout.write(
          `${c.name.padEnd(10)} ${c.strategy.padEnd(10)} ${controls(c).padEnd(28)} ${c.services.map(holding).join(", ")}\n`,
        );
      }
    });

  channel
    .command("show")
    .description("One channel: what it controls, what it holds, and its history (who moved what when)")
    .argument("<channel>", "channel name")
    .option("--service <name>", "only this service's history")
    .option("--limit <n>", "how many moves (1-1000)", wholeNumber(1, 1000), 20)
    .option("--json", "print JSON")
    .action(async (name: string, options: { service?: string; limit: number; json?: boolean }) => {
      const query = new URLSearchParams({ limit: String(options.limit) });
      if (options.service) query.set("service", options.service);
      const { channel: c, history } = await new ApiClient(serverUrl()).get<{
        channel: ChannelView;
        history: ChannelMove[];
      }>(`/api/channels/${encodeURIComponent(name)}?${query.toString()}`);
      if (options.json) return printJson({ channel: c, history });
      process.stdout.write(
        `${c.name}: ${c.strategy}, ${controls(c)}${c.description ? ` — ${c.description}` : ""}\n`,
      );
      for (const s of c.services) {
        const routes = s.routes?.map((r) => `${r.hosts.join(",") || "*"}${r.pathPrefix}`).join(" ") ?? "";
        const rollout = s.rollout ? `, rollout ${s.rollout.id} ${s.rollout.phase}` : "";
        process.stdout.write(`  ${holding(s)}${routes ? `  routes ${routes}` : ""}${rollout}\n`);
      }
      process.stdout.write(history.length ? "history (newest first):\n" : "no moves yet\n");
      history.forEach(printMove);
    });

  channel
    .command("move")
    .description(
      "Move a version of a service into a channel (a rollout in its environment, or its flag's variant); gated like a deploy",
    )
    .argument("<service>", "service name")
    .argument("[version]", "the version; default: the version --from holds")
    .requiredOption("--to <channel>", "the channel to move it into")
    .option("--from <channel>", "promote the version this channel holds (e.g. --from beta --to stable)")
    .requiredOption("--reason <text>", "why (recorded in the audit trail and the channel's history)")
    .option("--override-freeze <reason>", "move inside a freeze window (admins only; audited)")
    .option("--wait", "wait until the rollout is decided")
    .option("--json", "print JSON")
    .action(
      async (
        service: string,
        version: string | undefined,
        options: {
          to: string;
          from?: string;
          reason: string;
          overrideFreeze?: string;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        const api = new ApiClient(serverUrl());
        const result = await api.post<ChannelMoveResult>(
          `/api/channels/${encodeURIComponent(options.to)}/moves`,
          {
            service,
            ...(version !== undefined && { version }),
            ...(options.from !== undefined && { from: options.from }),
            reason: options.reason,
            ...(options.overrideFreeze !== undefined && { override: { reason: options.overrideFreeze } }),
          },
        );
        await report(api, result, options);
      },
    );

  channel
    .command("rollback")
    .description("Return a channel to the version its newest move replaced")
    .argument("<channel>", "channel name")
    .argument("<service>", "service name")
    .requiredOption("--reason <text>", "why (recorded in the audit trail and the channel's history)")
    .option("--wait", "wait until a redeploying rollback is decided")
    .option("--json", "print JSON")
    .action(
      async (name: string, service: string, options: { reason: string; wait?: boolean; json?: boolean }) => {
        const api = new ApiClient(serverUrl());
        const result = await api.post<ChannelMoveResult>(
          `/api/channels/${encodeURIComponent(name)}/rollback`,
          {
            service,
            reason: options.reason,
          },
        );
        await report(api, result, options);
      },
    );
}
