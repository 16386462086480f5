import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue as OpenFeatureJson,
  type Logger,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from "@openfeature/server-sdk";
// Slipway's own evaluator, bundled into dist/ by build.mjs: the provider evaluates exactly as
// `slipway flags eval` and the OFREP endpoints do.
import { compileFlagSets, type CompiledFlagSet } from "../../../src/flags/core/compile.js";
import { documentToFlagSet, type FlagDocument } from "../../../src/flags/core/document.js";
import { evaluateFlag } from "../../../src/flags/core/evaluate.js";
import type {
  EvaluationContext as SlipwayContext,
  FlagValueType,
  JsonValue,
} from "../../../src/flags/core/types.js";
import { EventBatcher } from "./events.js";

export interface SlipwayProviderOptions {
  /** The Slipway control plane or `slipway flags serve`, e.g. "http://127.0.0.1:8016". */
  url: string;
  /** An API token or a client key (`--scope flags:evaluate`), sent as a bearer token. */
  token?: string;
  /** How often the flag document is polled with If-None-Match. Default 5 000 ms. */
  pollIntervalMs?: number;
  /** Where track() and exposure events go. Default `${url}/api/flags/events`. */
  eventsUrl?: string;
  /** Send an exposure event for every successful evaluation. Default true. */
  exposures?: boolean;
  /** Events per POST. Default 100. */
  eventBatchSize?: number;
  /** Longest wait before queued events are sent. Default 5 000 ms. */
  eventFlushIntervalMs?: number;
  /** Events kept while the receiver is unreachable. Default 10 000. */
  maxQueuedEvents?: number;
}

export const FLAG_DOCUMENT_PATH = "/api/flags/document";

const ERROR_CODES: Record<string, ErrorCode> = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  PARSE_ERROR: ErrorCode.PARSE_ERROR,
  TARGETING_KEY_MISSING: ErrorCode.TARGETING_KEY_MISSING,
  GENERAL: ErrorCode.GENERAL,
};

/**
 * An OpenFeature server provider that evaluates Slipway flags in-process. It downloads the served
 * flagd document once (initialize fails if it cannot), then polls it with If-None-Match: 304 keeps
 * the compiled flags, 200 swaps them and emits ConfigurationChanged. While the server is
 * unreachable it keeps evaluating the last flags it had and reports itself Stale; it becomes Ready
 * again on the next successful poll.
 */
export class SlipwayProvider implements Provider {
  readonly metadata = { name: "slipway" } as const;
  readonly runsOn = "server" as const;
  readonly events = new OpenFeatureEventEmitter();

  private flags: CompiledFlagSet | undefined;
  private document: FlagDocument | undefined;
  private etag: string | undefined;
  private poller: NodeJS.Timeout | undefined;
  private stale = false;
  private readonly headers: Record<string, string>;
  private readonly batcher: EventBatcher;
  private readonly exposures: boolean;
  private logger: Logger | undefined;

  constructor(private readonly options: SlipwayProviderOptions) {
    const base = options.url.replace(/\/+$/, "");
    this.options = { ...options, url: base };
    this.headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.exposures = options.exposures ?? true;
    this.batcher = new EventBatcher({
      url: options.eventsUrl ?? `${base}/api/flags/events`,
      headers: this.headers,
      batchSize: options.eventBatchSize ?? 100,
      flushIntervalMs: options.eventFlushIntervalMs ?? 5_000,
      maxQueue: options.maxQueuedEvents ?? 10_000,
      onError: (error) => this.logger?.warn(`slipway: events not delivered, will retry: ${error.message}`),
    });
  }

  async initialize(): Promise<void> {
    await this.sync();
    this.poller = setInterval(() => void this.poll(), this.options.pollIntervalMs ?? 5_000);
    this.poller.unref();
  }

  async onClose(): Promise<void> {
    clearInterval(this.poller);
    await this.batcher.close();
  }

  /** Sends the queued events now (they are otherwise sent by size and by interval). */
  flushEvents(): Promise<void> {
    return this.batcher.flush();
  }

  /** Fetches the document unless unchanged; returns the keys that changed (empty on 304). */
  private async sync(): Promise<string[]> {
    const res = await fetch(`${this.options.url}${FLAG_DOCUMENT_PATH}`, {
      headers: { ...this.headers, ...(this.etag !== undefined && { "if-none-match": this.etag }) },
    });
    if (res.status === 304) {
      await res.body?.cancel();
      return [];
    }
    if (!res.ok) {
      const text = await res.text();
      throw new Error(`GET ${FLAG_DOCUMENT_PATH} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    const document = (await res.json()) as FlagDocument;
    if (document === null || typeof document !== "object" || typeof document.flags !== "object") {
      throw new Error(`GET ${FLAG_DOCUMENT_PATH} did not answer a flagd document`);
    }
    const changed = changedKeys(this.document, document);
    this.flags = compileFlagSets([documentToFlagSet(document)]);
    this.document = document;
    this.etag = res.headers.get("etag") ?? undefined;
    return changed;
  }

  private async poll(): Promise<void> {
    try {
      const changed = await this.sync();
      if (this.stale) {
        this.stale = false;
        this.events.emit(ProviderEvents.Ready);
      }
      if (changed.length > 0)
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    } catch (error) {
      if (!this.stale) {
        this.stale = true;
        this.events.emit(ProviderEvents.Stale, { message: `slipway: ${(error as Error).message}` });
      }
    }
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext, logger: Logger) {
    return Promise.resolve(this.resolve(key, "boolean", defaultValue, context, logger));
  }
  resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext, logger: Logger) {
    return Promise.resolve(this.resolve(key, "string", defaultValue, context, logger));
  }
  resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext, logger: Logger) {
    return Promise.resolve(this.resolve(key, "float", defaultValue, context, logger));
  }
  resolveObjectEvaluation<T extends OpenFeatureJson>(
    key: string,
    defaultValue: T,
    context: EvaluationContext,
    logger: Logger,
  ) {
    return Promise.resolve(this.resolve(key, "object", defaultValue, context, logger));
  }

  track(name: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.batcher.add({
      kind: "conversion",
      name,
      targetingKey: context.targetingKey ?? null,
      details: { ...details },
      timestamp: new Date().toISOString(),
    });
  }

  private resolve<T>(
    key: string,
    type: FlagValueType,
    defaultValue: T,
    context: EvaluationContext,
    logger: Logger,
  ): ResolutionDetails<T> {
    this.logger = logger;
    if (!this.flags) {
      return { value: defaultValue, reason: "ERROR", errorCode: ErrorCode.PROVIDER_NOT_READY };
    }
    const details = evaluateFlag(
      this.flags,
      { key, type, defaultValue: defaultValue as JsonValue, context: context as SlipwayContext },
      Date.now,
    );
    if (this.exposures && details.reason !== "ERROR") {
      this.batcher.add({
        kind: "exposure",
        flagKey: key,
        variant: details.variant ?? null,
        reason: details.reason,
        targetingKey: context.targetingKey ?? null,
        timestamp: new Date().toISOString(),
      });
    }
    return {
      value: details.value as T,
      reason: details.reason,
      flagMetadata: details.flagMetadata,
      ...(details.variant !== undefined && { variant: details.variant }),
      ...(details.errorCode !== undefined && {
        errorCode: ERROR_CODES[details.errorCode] ?? ErrorCode.GENERAL,
        errorMessage: details.errorMessage,
      }),
    };
  }
}

/** Keys added, removed or whose definition changed between two documents. */
function changedKeys(before: FlagDocument | undefined, after: FlagDocument): string[] {
  if (!before) return [];
  // An evaluator or the set's metadata can change any flag.
  const shared =
    JSON.stringify(before.$evaluators) !== JSON.stringify(after.$evaluators) ||
    JSON.stringify(before.metadata) !== JSON.stringify(after.metadata);
  const keys = new Set([...Object.keys(before.flags), ...Object.keys(after.flags)]);
  return [...keys].filter(
    (key) => shared || JSON.stringify(before.flags[key]) !== JSON.stringify(after.flags[key]),
  );
}
