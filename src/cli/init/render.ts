import type { FoundService } from "./detect.js";

/** A valid name (docs/configuration.md "Value types"): lowercase, digits and `-`, ≤ 63 characters. */
export function toName(label: string, fallback: string): string {
  const name = label
    .replace(/^@[^/]+\//, "") // a scoped package's own part
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name || fallback;
}

/** Names that say "the site people open": it gets `/`, the others `/<name>`. */
const SITE_NAMES = ["web", "www", "site", "frontend", "front", "app", "ui", "client", "website"];

/**
 * Which of the services gets the path `/`: the first whose name (or its last `-` part, as in
 * `shop-web`) says it is the site, else the first. Found services come in folder order, so without
 * this `api` would take `/` and `web` be served under `/web`.
 */
export function siteIndex(names: readonly string[]): number {
  const index = names.findIndex((name) => SITE_NAMES.includes(name.split("-").at(-1) ?? name));
  return index === -1 ? 0 : index;
}

export interface RenderedConfig {
  text: string;
  /** Service names written (not the commented-out ones), in file order. */
  services: string[];
}

const quote = (text: string): string => JSON.stringify(text);

/**
 * The commented slipway.yaml `slipway init` writes: each found service with its start and build
 * commands and why it was picked; folders found without a start command are written commented out,
 * so the file still validates. Several services get one path prefix each (`/` for the one that
 * looks like the site, see `siteIndex`), because two routes with the same hosts and prefix are refused.
 */
export function renderConfig(projectLabel: string, found: readonly FoundService[]): RenderedConfig {
  const taken = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 60)}-${i}`;
    taken.add(name);
    return name;
  };
  const runnable = found.filter((s) => s.start !== undefined);
  const lines = [
    "# slipway.yaml — written by `slipway init`; every key: docs/configuration.md",
    "# Check it with `slipway config validate`; releases are built from the files committed at the",
    "# deployed ref, so commit this file and your services before the first deploy.",
    "",
    `project: { name: ${toName(projectLabel, "app")} }`,
    "",
    "services:",
  ];
  const services: string[] = [];
  const names = runnable.map((service, index) => unique(toName(service.label, `service-${index + 1}`)));
  const site = siteIndex(names);
  runnable.forEach((service, index) => {
    const name = names[index]!;
    services.push(name);
    lines.push(
      `  # ${service.path}: found by ${service.reasons.join(", ")}`,
      `  ${name}:`,
      `    path: ${quote(service.path)}`,
      ...(service.build ? [`    build: ${quote(service.build)} # run once per release`] : []),
      `    start: ${quote(service.start!)} # must listen on $PORT`,
      "    readiness: { tcp: true } # or { http: /health }",
      index === site
        ? "    routes: [{ pathPrefix: / }]"
        : `    routes: [{ pathPrefix: /${name} }] # one prefix per service; or give each its hosts`,
      "",
    );
  });
  if (runnable.length === 0) {
    // The smallest valid file: a service someone fills in (nothing with a start script was found).
    const name = unique("web");
    services.push(name);
    lines.push(
      "  # No folder with a start script was found: say how your service starts.",
      `  ${name}:`,
      `    path: "."`,
      `    start: "node server.js" # must listen on $PORT`,
      "",
    );
  }
  for (const service of found.filter((s) => s.start === undefined)) {
    lines.push(
      `  # ${service.path} (found by ${service.reasons.join(", ")}) has no start script; to deploy it:`,
      `  # ${toName(service.label, "service")}:`,
      `  #   path: ${quote(service.path)}`,
      "  #   start: <command that listens on $PORT>",
      "",
    );
  }
  lines.push(
    "environments:",
    "  production:",
    "    strategy: blue-green # or canary, with steps: see docs/deployments.md",
    "    # How long a new revision is watched after the switch before it is promoted (default 10m,",
    "    # long enough for the slowest default trigger); short here so a first deploy ends quickly.",
    "    analysis: { window: 1m }",
    "",
  );
  return { text: lines.join("\n"), services };
}
