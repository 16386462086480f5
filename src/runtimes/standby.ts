import { SlipwayError } from "../core/errors.js";
import type { Instance, RevisionSpec, Runtime } from "./port.js";

/**
 * The runtime of a control-plane replica that follows: it must not supervise the instances (the
 * leader does: two supervisors would restart a crashed instance twice), so it sees none and
 * refuses to act until `attach` hands it the real runtime when this replica is elected.
 */
export class StandbyRuntime implements Runtime {
  private target: Runtime | undefined;

  /** Elected: from now on every call goes to `runtime` (which adopts the running instances). */
  attach(runtime: Runtime): void {
    this.target = runtime;
  }

  get attached(): boolean {
    return this.target !== undefined;
  }

  private active(): Runtime {
    if (!this.target)
      throw new SlipwayError("SLIPWAY_UNAVAILABLE", "this control-plane replica follows: only the leader runs instances");
    return this.target;
  }

  ensure(spec: RevisionSpec): Promise<void> {
    return this.active().ensure(spec);
  }

  instances(revisionId: string): Instance[] {
    return this.target?.instances(revisionId) ?? [];
  }

  stop(revisionId: string, options?: { graceMs?: number }): Promise<void> {
    return this.active().stop(revisionId, options);
  }

  revisions(): string[] {
    return this.target?.revisions() ?? [];
  }

  resources(revisionId: string): Promise<{ cpuPercent: number; rssBytes: number }> {
    return this.target?.resources(revisionId) ?? Promise.resolve({ cpuPercent: 0, rssBytes: 0 });
  }

  async detach(): Promise<void> {
    await this.target?.detach();
  }
}
