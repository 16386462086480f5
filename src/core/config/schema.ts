import { z } from "zod";
import { parseMetricDefinitions } from "../analysis/definition.js";
import { SlipwayError } from "../errors.js";
import { CONFIG_DEFAULTS as D } from "./defaults.js";
import { notificationsSchema } from "./schema-notify.js";
import { environmentAccessSchema } from "./schema-access.js";
import { environmentPolicySchema } from "./schema-policy.js";
import { DURATION_PATTERN, parseDuration } from "../duration.js";
import { RUNTIME_KINDS } from "./runtime.js";
import { DATA_PLANE_KINDS } from "../traffic/data-plane-kind.js";
import { unknownKeyMessages } from "./suggest.js";
import { own } from "../own.js";
import { crossCheckChannels } from "./check-channels.js";
import { crossCheckAssets } from "./check-assets.js";
import { ASSET_ALIAS, ASSET_NAME } from "../assets/names.js";

/**
 * The schema of slipway.yaml, in the form users write it (durations as "2s", percentages as "5%").
 * It is the single source of the generated schema/slipway.schema.json that editors use, so every
 * field carries a description and its default. normalize.ts turns the parsed value into the typed
 * ProjectConfig (milliseconds, fractions) that the rest of Slipway reads.
 */

/** A strict object whose unknown keys are errors that suggest the key the user probably meant. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") return unknownKeyMessages(issue.keys, known).join("\n");
      if (issue.code === "invalid_type") return `expected a mapping with keys ${known.join(", ")}`;
      return undefined;
    },
  });
}

const DURATION_EXPECTED = 'expected a duration like "500ms", "2s", "5m" or "1h30m"';
const duration = (description: string) =>
  z
    .string({ error: DURATION_EXPECTED })
    .regex(DURATION_PATTERN, { error: DURATION_EXPECTED })
    .describe(description);

const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const name = (what: string) =>
  z.string().regex(NAME_PATTERN, {
    error: `expected a ${what} name: lowercase letters, digits and '-', starting and ending with a letter or digit`,
  });

const positiveInt = (description: string) =>
  z
    .int({ error: "expected a whole number" })
    .min(1, { error: "expected a whole number >= 1" })
    .describe(description);
const nonNegativeInt = (description: string) =>
  z
    .int({ error: "expected a whole number" })
    .min(0, { error: "expected a whole number >= 0" })
    .describe(description);
const command = (description: string) =>
  z
    .string({ error: "expected a shell command (a string)" })
    .trim()
    .min(1, { error: "expected a non-empty shell command" })
    .describe(description);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envMap = z
  .record(
    z.string().regex(ENV_NAME, { error: "expected an environment variable name (letters, digits, '_')" }),
    z.union([z.string(), z.number(), z.boolean()], { error: "expected a string, number or boolean value" }),
  )
  .describe(
    "Environment variables for the service's processes (and its build). Numbers and booleans become strings.",
  );

const STATUS_EXPECTED = "expected an HTTP status code (100-599)";
const statusCode = z
  .int({ error: STATUS_EXPECTED })
  .min(100, { error: STATUS_EXPECTED })
  .max(599, { error: STATUS_EXPECTED });
const httpCheck = z.union(
  [
    z.string().startsWith("/", { error: 'expected a path starting with "/"' }),
    strict({
      path: z
        .string()
        .startsWith("/", { error: 'expected a path starting with "/"' })
        .describe("Request path, e.g. /health."),
      expectStatus: z
        .union([statusCode, z.array(statusCode).min(1)], {
          error: "expected a status code or a list of status codes",
        })
        .optional()
        .describe("Status codes counted as success; any 2xx when absent."),
    }),
  ],
  { error: 'expected a path like "/health" or { path, expectStatus }' },
);

const probe = strict({
  http: httpCheck
    .optional()
    .describe("HTTP GET against the instance's port; a path or { path, expectStatus }."),
  tcp: z
    .literal(true, { error: "expected true" })
    .optional()
    .describe("Success when the instance's port accepts a TCP connection."),
  exec: command("Shell command run in the release directory (with PORT set); exit 0 is success.").optional(),
  initialDelay: duration("Wait before the first check.").default(D.probe.initialDelay),
  period: duration("Time between checks.").default(D.probe.period),
  timeout: duration("A check taking longer fails.").default(D.probe.timeout),
  successThreshold: positiveInt("Consecutive successes to count as passing.").default(
    D.probe.successThreshold,
  ),
  failureThreshold: positiveInt("Consecutive failures to count as failing (seed 001: 3).").default(
    D.probe.failureThreshold,
  ),
}).superRefine((value, ctx) => {
  const kinds = (["http", "tcp", "exec"] as const).filter((k) => value[k] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message:
        kinds.length === 0
          ? "expected one check: http, tcp or exec"
          : `expected exactly one check, got ${kinds.join(" and ")}`,
    });
  }
});

const HOST_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const route = strict({
  hosts: z
    .array(
      z
        .string()
        .regex(HOST_PATTERN, { error: "expected a lowercase host name without port, e.g. shop.example.com" }),
    )
    .default([...D.service.route.hosts])
    .describe("Host names this route answers (without port); empty means any host."),
  pathPrefix: z
    .string()
    .startsWith("/", { error: 'expected a path prefix starting with "/"' })
    .default(D.service.route.pathPrefix)
    .describe("Path prefix; the longest matching prefix wins."),
});
const routes = z
  .array(route)
  .describe("Where the service is reachable through the proxy. [] for a service without HTTP traffic.");

const service = strict({
  path: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), {
      error: "expected a path inside the project (relative, without '..')",
    })
    .default(D.service.path)
    .describe("Source directory, relative to slipway.yaml; exported into each release."),
  build: command("Build command, run in the release directory when a release is built.").optional(),
  buildTimeout: duration("A build running longer is stopped and fails.").default(D.release.buildTimeout),
  start: command("Start command, run in the release directory; must listen on $PORT."),
  env: envMap.default({}),
  replicas: positiveInt("Instances per revision.").default(D.service.replicas),
  readiness: probe
    .prefault({ tcp: true })
    .describe("When an instance may receive traffic. Default: its port accepts TCP connections."),
  liveness: probe.optional().describe("When an instance is restarted. None by default."),
  routes: routes.prefault([{}]),
  timeout: duration("Per-try timeout for the upstream's response headers (504 after).").default(
    D.traffic.timeout,
  ),
  retries: nonNegativeInt(
    "Extra tries after a failure, only where safe (connection refused, idempotent methods).",
  )
    .max(10, { error: "expected at most 10 retries" })
    .default(D.traffic.retries),
  circuitBreaker: strict({
    maxConnections: positiveInt("Concurrent requests per instance.").default(D.traffic.maxConnections),
    maxPending: nonNegativeInt("Queued requests per route before 503.").default(D.traffic.maxPending),
  }).prefault({}),
  outlier: strict({
    consecutiveErrors: positiveInt("Consecutive 5xx/connect errors that eject an instance.").default(
      D.traffic.outlierConsecutiveErrors,
    ),
    ejectionTime: duration("How long an ejected instance gets no traffic.").default(
      D.traffic.outlierEjectionTime,
    ),
    maxEjectedPercent: nonNegativeInt("At most this share of instances is ejected at once.")
      .max(100, { error: "expected a percentage between 0 and 100" })
      .default(D.traffic.outlierMaxEjectedPercent),
  }).prefault({}),
  stopGracePeriod: duration("SIGTERM → SIGKILL grace period when an instance stops.").default(
    D.service.stopGracePeriod,
  ),
});

const PERCENT_EXPECTED = 'expected a fraction like 0.05 or a percentage like "5%"';
const fraction = z.union(
  [
    z.number().min(0, { error: PERCENT_EXPECTED }).max(1, { error: PERCENT_EXPECTED }),
    z
      .string()
      .regex(/^\d+(\.\d+)?%$/, { error: PERCENT_EXPECTED })
      .refine((v) => Number(v.slice(0, -1)) <= 100, { error: PERCENT_EXPECTED }),
  ],
  { error: PERCENT_EXPECTED },
);

/** Each trigger can be switched off with `false`. */
const trigger = <T extends z.core.$ZodLooseShape>(shape: T, description: string) =>
  z
    .union([z.literal(false), strict(shape)], { error: "expected false (off) or a trigger object" })
    // Every field of a trigger has a default, so {} is valid input; TypeScript cannot see that through the generic.
    .prefault({} as never)
    .describe(description);

const triggers = strict({
  errorRate: trigger(
    {
      above: fraction.default(D.analysis.errorRate.above).describe("Share of 5xx responses."),
      for: duration("Sustained this long.").default(D.analysis.errorRate.for),
    },
    "Roll back when the error rate stays above `above` for `for` (seed 001: 5% for 5m).",
  ),
  latency: trigger(
    {
      percentile: z
        .number()
        .gt(0)
        .lt(100)
        .default(D.analysis.latency.percentile)
        .describe("Latency percentile."),
      above: duration("Latency limit.").default(D.analysis.latency.above),
      for: duration("Sustained this long.").default(D.analysis.latency.for),
    },
    "Roll back when the latency percentile stays above `above` for `for` (seed 001: p95 > 5s for 10m).",
  ),
  latencyVsBaseline: trigger(
    {
      percentile: z
        .number()
        .gt(0)
        .lt(100)
        .default(D.analysis.latencyVsBaseline.percentile)
        .describe("Latency percentile."),
      ratio: z
        .number()
        .gt(1, { error: "expected a ratio above 1, e.g. 2 for twice the baseline" })
        .default(D.analysis.latencyVsBaseline.ratio)
        .describe("Candidate / baseline."),
      for: duration("Sustained this long.").default(D.analysis.latencyVsBaseline.for),
    },
    "Roll back when the candidate's latency is `ratio` times the previous revision's (seed 004: 2x baseline).",
  ),
  consecutiveHealthFailures: z
    .union([z.literal(false), positiveInt("")], { error: "expected false (off) or a whole number >= 1" })
    .default(D.analysis.consecutiveHealthFailures)
    .describe("Roll back after this many consecutive failed health checks of the candidate (seed 001: 3)."),
}).prefault({});

/**
 * Analysis metrics are defined by the analysis engine (src/core/analysis/definition.ts); checking
 * them here turns its problems into issues at their paths, so they too get file:line:col.
 */
const analysisMetrics = z
  .array(z.looseObject({}))
  .superRefine((items, ctx) => {
    try {
      parseMetricDefinitions(items, "metrics");
    } catch (error) {
      const problems =
        error instanceof SlipwayError ? (error.details.problems ?? [error.message]) : [String(error)];
      for (const problem of problems) {
        const match = /^metrics((?:\[\d+\]|\.[^.[:\s]+)*): (.*)$/s.exec(problem);
        const path = match ? pathSegments(match[1] ?? "") : [];
        ctx.addIssue({ code: "custom", path, message: match?.[2] ?? problem });
      }
    }
  })
  .describe("Analysis metrics (proxy, Prometheus, HTTP, command, resources); see docs/analysis.md.");

/** ".a[2].b" → ["a", 2, "b"] */
function pathSegments(text: string): (string | number)[] {
  return [...text.matchAll(/\[(\d+)\]|\.([^.[]+)/g)].map((m) =>
    m[1] !== undefined ? Number(m[1]) : (m[2] ?? ""),
  );
}

const analysis = strict({
  window: duration("How long the new revision is watched after the switch.").default(D.analysis.window),
  interval: duration("How often metrics are sampled during the window.").default(D.analysis.interval),
  minRequests: nonNegativeInt(
    "Fewer requests in a trigger's period give no verdict (inconclusive, never a silent pass).",
  ).default(D.analysis.minRequests),
  warmUp: duration(
    "Canary: requests in this long after the canary first takes traffic are left out of its comparisons with stable (a cold canary against a warm stable); thresholds and triggers still apply. 0s compares from the first request.",
  ).default(D.analysis.warmUp),
  firstDeployWindow: duration(
    "A first deploy (no stable revision to compare with or to fall back to) is analysed at most this long, not the whole window; threshold triggers still apply, comparisons with stable are skipped.",
  ).default(D.analysis.firstDeployWindow),
  triggers,
  metrics: analysisMetrics.optional(),
});

/** In an analysis step the rollout waits for the run to end, so a metric measured at an interval needs a count. */
const stepAnalysisMetrics = analysisMetrics.superRefine((items, ctx) => {
  items.forEach((item, index) => {
    if (item.interval !== undefined && item.count === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [index, "interval"],
        message:
          "in an analysis step a metric with an interval needs a count (the step waits for its run to end); use environments.<env>.analysis.metrics for a metric watched through every step",
      });
    }
  });
});

const step = z.union(
  [
    strict({ setWeight: z.int().min(0).max(100).describe("Percent of traffic to the candidate.") }),
    strict({
      pause: z
        .union([duration("Pause this long."), z.literal("manual")])
        .describe('A duration, or "manual" to wait for `slipway promote`.'),
    }),
    strict({
      analysis: strict({
        metrics: stepAnalysisMetrics
          .optional()
          .describe(
            "Metrics judged before the next step; default: the default canary metrics, one measurement each.",
          ),
      }).describe("An analysis run: its metrics, judged before the next step."),
    }),
  ],
  { error: 'expected a step: { setWeight: N }, { pause: "30s" | manual } or { analysis: {...} }' },
);

const match = (what: string) =>
  strict({
    name: z.string().min(1).describe(`${what} name.`),
    value: z.string().optional().describe("Required value; any value when absent."),
  });

const canary = strict({
  header: z
    .union([z.literal(false), match("Header")], { error: "expected false (off) or { name, value }" })
    .default({ name: D.canary.header })
    .describe(
      `Requests with this header always reach the canary (testers). Default: ${D.canary.header}, any value; false turns it off.`,
    ),
  cookie: match("Cookie").optional().describe("Requests with this cookie always reach the canary."),
  sticky: z
    .boolean()
    .default(D.canary.sticky)
    .describe(
      `Keep each user on the revision the weighted split first picked (cookie ${D.canary.stickyCookiePrefix}<service>, ${D.canary.stickyMaxAge}).`,
    ),
}).describe("How testers reach a canary, and sticky sessions (strategy: canary).");

const freezeWindow = strict({
  cron: z
    .string()
    .refine((c) => c.trim().split(/\s+/).length === 5, {
      error: 'expected a 5-field cron expression, e.g. "0 2 * * 0#1"',
    })
    .describe("When the window opens (5-field cron)."),
  duration: duration("How long it stays open."),
  timezone: z.string().default("UTC").describe("IANA time zone of the cron expression."),
  reason: z.string().optional().describe("Shown when a deploy is refused."),
});

const watch = strict({
  window: duration(
    "After promotion, a release that crash-loops, fails its health checks or trips a rollback trigger within this long goes back to the previous release.",
  ).default(D.watch.window),
  rollback: z
    .boolean()
    .optional()
    .describe(
      "Roll a release that fails within the window back automatically. Default: the environment's productionLike.",
    ),
  downAfter: duration(
    "The live revision with no ready instance for this long (or whose supervisor gave up) is reported as service.down, with or without a rollback.",
  ).default(D.watch.downAfter),
}).describe("Watching the live release after promotion.");

const environmentService = strict({
  replicas: positiveInt("Instances per revision in this environment.").optional(),
  env: envMap.optional().describe("Merged over the service's env."),
  routes: routes.optional().describe("Replaces the service's routes in this environment."),
});

const dataPlaneHost = strict({
  name: name("data plane").describe("Unique name of the host in `slipway status` and logs."),
  admin: z
    .string()
    .regex(/^https?:\/\/[^/\s]+\/?$/, { error: "expected the admin API's URL, e.g. http://10.0.0.2:8081" })
    .describe("Admin API of `slipway proxy` on that host (its `--admin` address), http://HOST:PORT."),
  token: z
    .string()
    .min(1, { error: "expected a non-empty string" })
    .describe(
      "That proxy's admin token (its SLIPWAY_PROXY_TOKEN or `<state-dir>/admin-token`). Write it as ${ENV_VAR}.",
    ),
  upstreamHost: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The address at which this host reaches the instances (they run beside the control plane): replaces 127.0.0.1 in the upstreams of the table it is sent. Default: the upstreams as they are.",
    ),
});

const dataPlanes = strict({
  hosts: z
    .array(dataPlaneHost)
    .min(1, { error: "expected at least one data-plane host" })
    .describe("The `slipway proxy` processes on other hosts that serve this environment's routes."),
  quorum: z
    .int()
    .min(1)
    .optional()
    .describe(
      "How many of the hosts must acknowledge a route table before a rollout step that moves traffic forward counts as applied. Default: all of them.",
    ),
}).describe(
  "Data planes on several hosts (docs/scaling.md): each gets the same route table, generation-checked.",
);

const environment = strict({
  strategy: z
    .enum(["blue-green", "canary"], { error: 'expected "blue-green" or "canary"' })
    .default(D.environment.strategy),
  deploy: strict({
    branches: z.array(z.string()).default([]).describe("Branch globs whose pushes deploy automatically."),
    tags: z.array(z.string()).default([]).describe("Tag globs (e.g. v*.*.*) that deploy automatically."),
  })
    .prefault({})
    .describe("Automatic deploys from pushes and tags (webhooks)."),
  readinessTimeout: duration("A candidate not ready by then is rolled back.").default(
    D.environment.readinessTimeout,
  ),
  scaleDownDelay: duration(
    "The previous revision stays warm this long after promotion (instant rollback).",
  ).default(D.environment.scaleDownDelay),
  drainTimeout: duration(
    "In-flight requests of a removed revision may finish for this long (504 after).",
  ).default(D.traffic.drainTimeout),
  smoke: z
    .union(
      [
        command(""),
        strict({
          command: command("Smoke command."),
          timeout: duration("Bound.").default(D.environment.smokeTimeout),
        }),
      ],
      {
        error: "expected a shell command or { command, timeout }",
      },
    )
    .optional()
    .describe(
      "Run before the switch with SLIPWAY_PREVIEW_URL set to the candidate; non-zero exit rolls back.",
    ),
  preview: z
    .boolean()
    .default(D.environment.preview)
    .describe(
      "Let testers reach any revision (even at weight 0) with a signed x-slipway-revision header (slipway preview); false turns it off.",
    ),
  analysis: analysis.prefault({}),
  productionLike: z
    .boolean()
    .optional()
    .describe(
      "Production-like: a release that fails after promotion rolls back automatically by default (watch.rollback). Default: true when the name is production, prod or live, or contains one of them as a '-'-separated part (prod-eu, eu-production); false otherwise.",
    ),
  watch: watch.prefault({}),
  steps: z
    .array(step)
    .optional()
    .describe("Canary steps (strategy: canary); default: 10%, pause 1m, 50%, pause 1m, then all."),
  canary: canary.optional(),
  approval: z
    .union(
      [
        z.boolean(),
        strict({
          approvers: z
            .array(z.string())
            .default([])
            .describe("Who may approve; anyone but the requester when empty."),
          expiry: duration("An approval request expires after this long.").default(
            D.environment.approvalExpiry,
          ),
        }),
      ],
      { error: "expected true, false or { approvers, expiry }" },
    )
    .optional()
    .describe("Hold rollouts until someone other than the requester approves."),
  access: environmentAccessSchema.optional(),
  policy: environmentPolicySchema.optional(),
  freezeWindows: z
    .array(freezeWindow)
    .default([])
    .describe("Deploys are refused inside these windows (admins may override)."),
  dataPlanes: dataPlanes.optional(),
  services: z
    .record(name("service"), environmentService)
    .default({})
    .describe("Per-service overrides in this environment."),
});

const FLAG_KEY_EXPECTED = "expected a flag key (letters, digits, '.', '_', '-')";
const channel = strict({
  strategy: z
    .enum(["blue-green", "canary", "flag"], { error: 'expected "blue-green", "canary" or "flag"' })
    .describe(
      "How a version reaches the channel: a blue-green or canary rollout in `environment`, or a flag change (the `variant` of `flag` takes the version).",
    ),
  description: z.string().optional().describe("Shown in `slipway channel list` and the dashboard."),
  services: z
    .array(name("service"))
    .min(1, { error: "expected at least one service" })
    .optional()
    .describe("The services whose versions move through this channel. Default: every service."),
  environment: name("environment")
    .optional()
    .describe("blue-green / canary: the environment whose routes the channel controls."),
  steps: z
    .array(step)
    .optional()
    .describe("canary: the steps of a move into this channel; default: the environment's steps."),
  flag: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: FLAG_KEY_EXPECTED })
    .optional()
    .describe("flag: the API-defined flag whose variant holds the channel's version."),
  variant: z
    .string()
    .min(1)
    .optional()
    .describe("flag: the variant that takes the version (its targeting decides who gets it)."),
}).describe("A release channel (stable, beta, alpha…): see docs/channels.md.");

export const projectConfigSchema = strict({
  project: strict({ name: name("project").describe("Project name.") }),
  runtime: z
    .enum(RUNTIME_KINDS, {
      error: `expected a known runtime: ${RUNTIME_KINDS.map((k) => `"${k}"`).join(", ")}`,
    })
    .default(D.runtime)
    .describe(
      "What runs the revisions; read when the server starts. local: processes on this host (docs/runtime.md).",
    ),
  dataPlane: z
    .enum(DATA_PLANE_KINDS, {
      error: `expected a known data plane: ${DATA_PLANE_KINDS.map((k) => `"${k}"`).join(", ")}`,
    })
    .default(D.dataPlane)
    .describe(
      "What carries the traffic; read when `slipway up` starts the proxy. builtin: Slipway's own proxy; haproxy: HAProxy 2.6+ driven by Slipway (docs/proxy.md).",
    ),
  services: z
    .record(name("service"), service)
    .refine((s) => Object.keys(s).length > 0, { error: "expected at least one service" })
    .describe("Deployable services, by name."),
  environments: z
    .record(name("environment"), environment)
    .prefault({ [D.environment.name]: {} })
    .describe("Deployment targets, by name. Default: one environment, production."),
  notifications: notificationsSchema.optional(),
  flags: z
    .array(z.string().min(1, { error: "expected a glob such as flags/*.json" }))
    .default([...D.flags])
    .describe(
      "Feature flag files in flagd's format (globs relative to the project directory), served by the control plane's OFREP endpoints beside the flags edited through the API (docs/flags.md).",
    ),
  channels: z
    .record(name("channel"), channel)
    .default({})
    .describe(
      "Release channels by name (stable, beta, alpha…): each names its strategy and what it controls (docs/channels.md).",
    ),
  assets: z
    .record(
      z.string().regex(ASSET_NAME, {
        error: "expected an asset bundle name: lower-case letters, digits, '.', '_' or '-', e.g. widget",
      }),
      strict({
        aliases: z
          .record(
            z.string().regex(ASSET_ALIAS, {
              error: "expected an alias name: lower-case letters, digits and '-', starting with a letter",
            }),
            name("environment"),
          )
          .default({})
          .describe(
            "Alias → environment: moving the alias is gated like a deploy there (role, freeze windows, approval, policy). An alias not listed is not gated.",
          ),
      }),
    )
    .default({})
    .describe("Static asset bundles whose alias moves are gated (docs/assets.md)."),
})
  .superRefine((config, ctx) => {
    const report: Report = (path, message) => ctx.addIssue({ code: "custom", path, message });
    crossCheck(config, report);
    crossCheckChannels(config, report);
    crossCheckAssets(config, report);
  })
  .meta({ title: "slipway.yaml", description: "Slipway project configuration." });

/** The parsed file, defaults applied, in the form users write it. */
export type RawProjectConfig = z.output<typeof projectConfigSchema>;

export type Report = (path: (string | number)[], message: string) => void;

/** Rules that span several parts of the file. */
function crossCheck(config: RawProjectConfig, report: Report): void {
  const claimed = new Map<string, string>();
  for (const [envName, env] of Object.entries(config.environments)) {
    for (const serviceName of Object.keys(env.services)) {
      if (!Object.hasOwn(config.services, serviceName)) {
        report(
          ["environments", envName, "services", serviceName],
          `no service '${serviceName}' is declared under services`,
        );
      }
    }
    if (env.steps && env.strategy !== "canary") {
      report(
        ["environments", envName, "steps"],
        "steps apply to the canary strategy only (set strategy: canary)",
      );
    }
    if (env.canary && env.strategy !== "canary") {
      report(
        ["environments", envName, "canary"],
        "canary settings apply to the canary strategy only (set strategy: canary)",
      );
    }
    if (env.dataPlanes) checkDataPlanes(env.dataPlanes, ["environments", envName, "dataPlanes"], report);
    const windowMs = parseDuration(env.analysis.window) ?? 0;
    const intervalMs = parseDuration(env.analysis.interval) ?? 0;
    if (intervalMs === 0 || intervalMs > windowMs) {
      report(
        ["environments", envName, "analysis", "interval"],
        `expected an interval above 0 and at most the window (${env.analysis.window})`,
      );
    }
    // Two routes with the same hosts and prefix cannot be told apart by the proxy.
    for (const [serviceName, svc] of Object.entries(config.services)) {
      const override = own(env.services, serviceName)?.routes;
      const effective = override ?? svc.routes;
      effective.forEach((r, index) => {
        const hosts = [...r.hosts].sort();
        const key = `${hosts.join(",")} ${r.pathPrefix}`;
        const owner = `${serviceName} in ${envName}`;
        const other = claimed.get(key);
        if (other !== undefined && other !== owner) {
          const where = override
            ? ["environments", envName, "services", serviceName, "routes", index]
            : ["services", serviceName, "routes", index];
          report(
            where,
            `route (${hosts.length ? hosts.join(", ") : "any host"}, prefix "${r.pathPrefix}") is already used by ${other}; give it its own hosts or path prefix${override ? "" : ` (per environment: environments.${envName}.services.${serviceName}.routes)`}`,
          );
        } else {
          claimed.set(key, owner);
        }
      });
    }
  }
}

/** Host names unique in an environment, a quorum they can reach. */
function checkDataPlanes(
  planes: NonNullable<RawProjectConfig["environments"][string]["dataPlanes"]>,
  at: (string | number)[],
  report: Report,
): void {
  const seen = new Set<string>();
  planes.hosts.forEach((host, index) => {
    if (seen.has(host.name)) report([...at, "hosts", index, "name"], `host '${host.name}' is listed twice`);
    seen.add(host.name);
  });
  if (planes.quorum !== undefined && planes.quorum > planes.hosts.length) {
    report(
      [...at, "quorum"],
      `a quorum of ${planes.quorum} cannot be reached by ${planes.hosts.length} host(s)`,
    );
  }
}
