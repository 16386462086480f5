import { announceRollouts, RolloutAnnouncer, runFailedEvent, type ChangeLike } from "../notify/announce.js";
import { LiveNotificationSettings } from "../notify/live-settings.js";
import { Notifier, type NotifierOptions } from "../notify/notifier.js";
import { collectSecrets } from "../pipelines/secrets.js";
import type { DeadLetterStore } from "../store/ports/dead-letter-store.js";
import type { WebhookDeliveryStore } from "../store/ports/webhook-delivery-store.js";
import type { AppContext } from "./app-context.js";
import { RunManager } from "../pipelines/runs/run-manager.js";
import type { QueueDispatch } from "../runners/queue-dispatch.js";
import { own } from "../core/own.js";
import { notificationKey } from "../core/notify/claim-key.js";
import type { NotificationEvent } from "../core/notify/events.js";

/**
 * Wires the server's workflow runs and notifications: the run manager (runs in the server
 * process), the notifier (with its dead letters) subscribed to the rollout controller and to
 * finished runs, and the webhook delivery log. One per server, created at start by `attachRunsAndNotifier(app)` and closed with the app.
 */
export interface RunsAndNotifier {
  runs: RunManager;
  /** The queue runners take jobs from; undefined when jobs run in the server's process. */
  runnerQueue?: QueueDispatch;
  /** The notifier for slipway.yaml's notifications as of now (re-read when the file changes). */
  readonly notifier: Notifier;
  deadLetters: DeadLetterStore;
  deliveries: WebhookDeliveryStore;
  /** Channel names, kinds and events, URLs reduced to their origin (for logs and the API). */
  readonly channels: Record<string, unknown>[];
  /** Environment the server reads secrets from (webhook secret, `${VAR}` references, SLIPWAY_SECRET_*). */
  env: Readonly<Record<string, string | undefined>>;
  close(): Promise<void>;
}

export interface RunsAndNotifierOptions {
  /** Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Notifier overrides (tests: transport, sleep). */
  notifier?: Partial<Omit<NotifierOptions, "channels" | "deadLetters">>;
  /**
   * Highly available control plane: take on sending the fact `key` (notificationKey) or not —
   * false on a follower, and for what some leader already claimed. Default: always.
   */
  claim?: (key: string) => Promise<boolean>;
  /** `slipway server --runners queue`: jobs go to runners through this queue (PostgreSQL only). */
  runnerQueue?: QueueDispatch;
}

const KEY = "runs-and-notifier";

function createRunsAndNotifier(app: AppContext, options: RunsAndNotifierOptions): RunsAndNotifier {
  const env = options.env ?? process.env;
  const log = app.log.child({ part: "hooks" });
  const deadLetters = app.store.deadLetters;
  // notifications: is re-read when slipway.yaml changes, like approval and access rules.
  const live = new LiveNotificationSettings({
    dir: app.projectDir,
    env,
    log,
    make: ({ channels, retry }) =>
      new Notifier({ channels, deadLetters, log, ...(retry ? { retry } : {}), ...options.notifier }),
  });
  live.current(); // reports an invalid notifications: at start, not at the first rollout
  const claim = options.claim;
  const send = async (event: NotificationEvent): Promise<unknown> => {
    if (claim && !(await claim(notificationKey(event)).catch(() => false))) return undefined;
    return live.current().notifier.notify(event);
  };
  const link = (path: string): string | undefined => {
    const base = env.SLIPWAY_PUBLIC_URL?.replace(/\/+$/, "");
    return base ? `${base}/${path}` : undefined;
  };
  const runs = new RunManager({
    dir: app.projectDir,
    dataDir: app.dataDir,
    store: app.store.runs,
    secrets: collectSecrets({ env: { ...env } }),
    reuseWorktrees: env.SLIPWAY_REUSE_WORKTREES === "1",
    publish: app.events.publish,
    ...(options.runnerQueue ? { dispatch: options.runnerQueue } : {}),
    log,
    now: () => app.now(),
    environmentApproval: (environment) => {
      const approval = own(app.config().environments, environment)?.approval;
      return approval ? { approvers: approval.approvers, expiryMs: approval.expiryMs } : undefined;
    },
    onFinished: (run) => {
      const event = runFailedEvent(run, new Date(app.now()).toISOString(), link(`runs/${run.runId}`));
      if (event) void send(event);
    },
  });
  const controller = app.controller as unknown as {
    subscribe?: (listener: (change: ChangeLike) => void) => () => void;
  };
  const unsubscribe =
    typeof controller.subscribe === "function"
      ? announceRollouts(
          { subscribe: (listener) => controller.subscribe!.call(app.controller, listener) },
          send,
          new RolloutAnnouncer({ now: () => app.now(), link: (id) => link(`rollouts/${id}`) }),
        )
      : () => undefined;
  return {
    runs,
    ...(options.runnerQueue ? { runnerQueue: options.runnerQueue } : {}),
    get notifier() {
      return live.current().notifier;
    },
    deadLetters,
    deliveries: app.store.webhookDeliveries,
    get channels() {
      return live.current().channels;
    },
    env,
    async close() {
      unsubscribe();
      await runs.stop();
      await options.runnerQueue?.close();
    },
  };
}

/** The server's runs and notifier, created on first use. */
export function runsAndNotifierOf(app: AppContext, options: RunsAndNotifierOptions = {}): RunsAndNotifier {
  return app.singleton(KEY, () => createRunsAndNotifier(app, options));
}

/**
 * Call once when the server starts (serve.ts), so notifications follow rollouts from the first
 * change rather than from the first request to a runs or webhook route.
 */
export function attachRunsAndNotifier(
  app: AppContext,
  options: RunsAndNotifierOptions = {},
): RunsAndNotifier {
  return runsAndNotifierOf(app, options);
}
