import { ExpressionFailure, evaluateToken, toExpressionString, type Contexts } from "./expressions.js";

/**
 * `concurrency:` groups within one process (the CLI run, or the server running many runs): one
 * holder per group; with cancel-in-progress a newcomer cancels the holder, otherwise it waits and
 * replaces (cancels) any other waiter, as GitHub keeps at most one pending.
 */
export class ConcurrencyGroups {
  private readonly holders = new Map<string, { cancel(): void; released: Promise<void> }>();
  private readonly waiters = new Map<string, () => void>();

  /** Resolves to a release function once the group is ours, or to undefined if we were displaced. */
  async acquire(
    group: string,
    cancelInProgress: boolean,
    cancelSelf: () => void,
  ): Promise<(() => void) | undefined> {
    for (;;) {
      const holder = this.holders.get(group);
      if (!holder) break;
      if (cancelInProgress) {
        holder.cancel();
      } else {
        this.waiters.get(group)?.();
        let displaced = false;
        this.waiters.set(group, () => {
          displaced = true;
          cancelSelf();
        });
        await holder.released;
        if (displaced) return undefined;
        this.waiters.delete(group);
        continue;
      }
      await holder.released;
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holders.set(group, { cancel: cancelSelf, released });
    return () => {
      if (this.holders.get(group)?.released === released) this.holders.delete(group);
      release();
    };
  }
}

/** Shared by every run of this process unless the caller passes its own. */
export const processConcurrency = new ConcurrencyGroups();

/** A workflow's or job's `concurrency:` (a group name, or `{ group, cancel-in-progress }`), evaluated. */
export function concurrencySetting(
  token: Parameters<typeof evaluateToken>[0],
  contexts: Contexts,
  file: string,
): { group: string; cancelInProgress: boolean } | undefined {
  if (!token) return undefined;
  const value = evaluateToken(token, contexts, {}, file);
  if (typeof value === "string") return { group: value, cancelInProgress: false };
  if (value && typeof value === "object") {
    const { group, "cancel-in-progress": cancel } = value as {
      group?: unknown;
      "cancel-in-progress"?: unknown;
    };
    if (group === undefined || group === "")
      throw new ExpressionFailure(`${file}: concurrency needs a group`);
    return { group: toExpressionString(group), cancelInProgress: cancel === true || cancel === "true" };
  }
  return undefined;
}
