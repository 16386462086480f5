import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/web-sdk";

export interface SlipwayWebProviderOptions {
  /** The Slipway control plane or `slipway flags serve`, e.g. "https://slipway.example.com". */
  url: string;
  /** A client key (`slipway token create NAME --scope flags:evaluate`), sent as a bearer token. */
  token?: string;
  /** How often the flags are re-evaluated with If-None-Match; 0 turns polling off. Default 30 000 ms. */
  pollIntervalMs?: number;
}

export const OFREP_BULK_PATH = "/ofrep/v1/evaluate/flags";

/** One entry of OFREP's bulk answer: an evaluation success or an evaluation failure. */
interface BulkEntry {
  key: string;
  value?: JsonValue;
  variant?: string;
  reason?: string;
  metadata?: FlagMetadata;
  errorCode?: string;
  errorDetails?: string;
}

type ValueType = "boolean" | "string" | "number" | "object";

const ERROR_CODES: Record<string, ErrorCode> = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  PARSE_ERROR: ErrorCode.PARSE_ERROR,
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  TARGETING_KEY_MISSING: ErrorCode.TARGETING_KEY_MISSING,
  INVALID_CONTEXT: ErrorCode.INVALID_CONTEXT,
  GENERAL: ErrorCode.GENERAL,
};

/**
 * An OpenFeature web provider for Slipway flags. The web SDK's context is static, so every flag is
 * evaluated at once through OFREP's bulk endpoint and answered from that cache: on initialize, on
 * every context change, and by polling with If-None-Match (304: nothing changed). While the server
 * is unreachable the cached answers keep serving (same context) and the provider reports Stale; a
 * context change that cannot be evaluated drops the cache, since its answers belong to another
 * subject, and evaluations answer the caller's default with PROVIDER_NOT_READY.
 */
export class SlipwayWebProvider implements Provider {
  readonly metadata = { name: "slipway-web" } as const;
  readonly runsOn = "client" as const;
  readonly events = new OpenFeatureEventEmitter();

  private cache: Map<string, BulkEntry> | undefined;
  private etag: string | undefined;
  private context: EvaluationContext = {};
  private poller: ReturnType<typeof setInterval> | undefined;
  private stale = false;
  private lastError = "";
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: SlipwayWebProviderOptions) {
    this.url = `${options.url.replace(/\/+$/, "")}${OFREP_BULK_PATH}`;
    this.headers = {
      "content-type": "application/json",
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
    };
  }

  async initialize(context: EvaluationContext = {}): Promise<void> {
    this.context = context;
    await this.refresh();
    const every = this.options.pollIntervalMs ?? 30_000;
    if (every > 0) this.poller = setInterval(() => void this.poll(), every);
  }

  onClose(): Promise<void> {
    clearInterval(this.poller);
    return Promise.resolve();
  }

  async onContextChange(_old: EvaluationContext, next: EvaluationContext): Promise<void> {
    this.context = next;
    try {
      // The ETag is a hash of the answer, so If-None-Match stays valid: 304 means the same answers.
      await this.refresh();
    } catch (error) {
      this.cache = undefined;
      this.etag = undefined;
      throw error;
    }
  }

  /** Evaluates all flags for the current context; returns the keys whose answer changed. */
  private async refresh(): Promise<string[]> {
    const context = this.context;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: { ...this.headers, ...(this.etag !== undefined && { "if-none-match": this.etag }) },
        body: JSON.stringify({ context }),
      });
    } catch (error) {
      this.lastError = `${OFREP_BULK_PATH} unreachable: ${(error as Error).message}`;
      throw new Error(this.lastError, { cause: error });
    }
    if (context !== this.context) return []; // a newer context is being fetched
    if (res.status === 304 && this.cache) return [];
    if (!res.ok) {
      const text = await res.text();
      this.lastError = `${OFREP_BULK_PATH} answered ${res.status}: ${text.slice(0, 300)}`;
      throw new Error(this.lastError);
    }
    const body = (await res.json()) as { flags?: BulkEntry[] };
    if (!Array.isArray(body.flags)) throw new Error(`${OFREP_BULK_PATH} did not answer {flags: [...]}`);
    const next = new Map(body.flags.map((entry) => [entry.key, entry]));
    const before = this.cache;
    this.cache = next;
    this.etag = res.headers.get("etag") ?? undefined;
    if (!before) return [];
    const keys = new Set([...before.keys(), ...next.keys()]);
    return [...keys].filter((key) => JSON.stringify(before.get(key)) !== JSON.stringify(next.get(key)));
  }

  private async poll(): Promise<void> {
    try {
      const changed = await this.refresh();
      if (this.stale) {
        this.stale = false;
        this.events.emit(ProviderEvents.Ready);
      }
      if (changed.length > 0)
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    } catch (error) {
      if (!this.stale && this.cache) {
        this.stale = true;
        this.events.emit(ProviderEvents.Stale, { message: `slipway: ${(error as Error).message}` });
      }
    }
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean) {
    return this.resolve(key, "boolean", defaultValue);
  }
  resolveStringEvaluation(key: string, defaultValue: string) {
    return this.resolve(key, "string", defaultValue);
  }
  resolveNumberEvaluation(key: string, defaultValue: number) {
    return this.resolve(key, "number", defaultValue);
  }
  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T) {
    return this.resolve(key, "object", defaultValue);
  }

  private resolve<T>(key: string, type: ValueType, defaultValue: T): ResolutionDetails<T> {
    if (!this.cache) {
      return {
        value: defaultValue,
        reason: "ERROR",
        errorCode: ErrorCode.PROVIDER_NOT_READY,
        errorMessage: `no evaluation for the current context yet${this.lastError ? `: ${this.lastError}` : ""}`,
      };
    }
    const entry = this.cache.get(key);
    if (!entry) {
      return {
        value: defaultValue,
        reason: "ERROR",
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        // OFREP's bulk answer leaves disabled flags out, as flagd does.
        errorMessage: `flag "${key}" is not in the bulk evaluation (unknown or disabled)`,
      };
    }
    if (entry.errorCode !== undefined) {
      return {
        value: defaultValue,
        reason: "ERROR",
        errorCode: ERROR_CODES[entry.errorCode] ?? ErrorCode.GENERAL,
        ...(entry.errorDetails !== undefined && { errorMessage: entry.errorDetails }),
        ...(entry.metadata && { flagMetadata: entry.metadata }),
      };
    }
    const flagMetadata = entry.metadata ?? {};
    // No value: the caller's default applies (no default variant), with the server's reason.
    if (entry.value === undefined)
      return { value: defaultValue, reason: entry.reason ?? "DEFAULT", flagMetadata };
    if (!matches(entry.value, type)) {
      return {
        value: defaultValue,
        reason: "ERROR",
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `flag "${key}" is not ${type}-valued`,
        flagMetadata,
      };
    }
    return {
      value: entry.value as T,
      reason: entry.reason ?? "UNKNOWN",
      flagMetadata,
      ...(entry.variant !== undefined && { variant: entry.variant }),
    };
  }
}

function matches(value: JsonValue, type: ValueType): boolean {
  if (type === "object") return typeof value === "object" && value !== null;
  return typeof value === type;
}
