import { statSync } from "node:fs";
import { configFileIn } from "../config/project-search.js";
import { describeChannels, loadNotificationSettings, type NotificationSettings } from "./from-config.js";
import type { Notifier, NotifyLog } from "./notifier.js";

/** The notifier as slipway.yaml's `notifications:` says now, and its channels as the API shows them. */
export interface CurrentNotifier {
  notifier: Notifier;
  /** Channel names, kinds and events, URLs reduced to their origin (for logs and the API). */
  channels: Record<string, unknown>[];
}

export interface LiveNotificationSettingsOptions {
  /** The project's folder (where slipway.yaml is). */
  dir: string;
  /** Where `${VAR}` references are resolved (the server's environment). */
  env: Readonly<Record<string, string | undefined>>;
  /** Builds a notifier for these settings (same dead letters, transports and sleep every time). */
  make: (settings: NotificationSettings) => Notifier;
  log: Pick<NotifyLog, "info" | "error">;
}

/**
 * `notifications:` of slipway.yaml, re-read when the file changes (its modification time or size),
 * checked whenever a notification is about to be sent or the channels are shown: a channel added,
 * removed or redirected takes effect at the next notification, as approval and access rules do,
 * with no restart. A change that does not load (invalid, or a `${VAR}` the server's environment
 * lacks) keeps the channels that were working and is logged once, without secret values; at the
 * first load it means no channels.
 *
 * @example
 * const live = new LiveNotificationSettings({ dir, env: process.env, log,
 *   make: (settings) => new Notifier({ ...settings, deadLetters }) });
 * void live.current().notifier.notify(event);
 */
export class LiveNotificationSettings {
  private signature: string | undefined;
  private now: CurrentNotifier | undefined;

  constructor(private readonly options: LiveNotificationSettingsOptions) {}

  current(): CurrentNotifier {
    const signature = this.fileSignature();
    if (this.now && signature === this.signature) return this.now;
    const first = this.now === undefined;
    this.signature = signature;
    let next: CurrentNotifier;
    try {
      next = this.build(loadNotificationSettings(this.options.dir, this.options.env));
    } catch (error) {
      const message = (error as Error).message;
      if (first) {
        // A missing `${VAR}` must not keep the control plane down; it is logged, without values.
        this.options.log.error({ err: message }, "notifications disabled: invalid configuration");
        this.now = this.build({ channels: [] });
      } else {
        this.options.log.error(
          { err: message },
          "slipway.yaml notifications not reloaded: keeping the previous channels",
        );
      }
      return this.now!;
    }
    this.now = next;
    if (!first) this.options.log.info({ channels: this.now.channels }, "notification channels reloaded");
    else if (this.now.channels.length > 0)
      this.options.log.info({ channels: this.now.channels }, "notification channels");
    return this.now;
  }

  private build(settings: NotificationSettings): CurrentNotifier {
    return { notifier: this.options.make(settings), channels: describeChannels(settings.channels) };
  }

  /** What changes when the file is saved; "none" while there is no file. */
  private fileSignature(): string {
    const file = configFileIn(this.options.dir);
    if (file === undefined) return "none";
    try {
      const stat = statSync(file);
      return `${file}:${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      return "none";
    }
  }
}
