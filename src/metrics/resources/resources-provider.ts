import type { MetricSample } from "../../core/analysis/sample.js";
import { MetricQueryError, type MetricProvider, type MetricWindow, type TemplateVars } from "../provider.js";

/** The subset of the Runtime port this provider needs (src/runtimes/port.ts `resources`). */
export interface ResourcesSource {
  resources(revisionId: string): Promise<{ cpuPercent: number; rssBytes: number }>;
}

export interface ResourcesSpec {
  provider: "resources";
  /** "cpu": percent of one core, summed over instances; "memory": resident bytes, summed. */
  resource: "cpu" | "memory";
  /** `vars.revision` names the revision id. */
  vars: TemplateVars;
}

/** CPU and resident memory of a revision's instances as the runtime sees them (seed 004's spikes). */
export class ResourcesProvider implements MetricProvider<ResourcesSpec> {
  constructor(
    private readonly source: ResourcesSource,
    private readonly now: () => number = Date.now,
  ) {}

  async query(spec: ResourcesSpec, window: MetricWindow): Promise<MetricSample> {
    const revision = spec.vars.revision;
    if (!revision)
      throw new MetricQueryError("bad-spec", "resource metrics need vars.revision (the revision id)");
    let r: { cpuPercent: number; rssBytes: number };
    try {
      r = await this.source.resources(revision);
    } catch (error) {
      throw new MetricQueryError(
        "unreachable",
        `runtime resources for ${revision} unavailable: ${(error as Error).message}`,
      );
    }
    const value = spec.resource === "cpu" ? r.cpuPercent : r.rssBytes;
    return {
      values: [value],
      series: [],
      window: { startMs: window.startMs, endMs: this.now() },
      source: `runtime ${spec.resource === "cpu" ? "CPU" : "resident memory"} of ${revision}`,
    };
  }
}
