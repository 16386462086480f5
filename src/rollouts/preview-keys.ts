import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { own } from "../core/own.js";
import { newPreviewKey, previewToken, PREVIEW_KEY_BYTES } from "../traffic/preview-token.js";

/** `<data>/preview-key`: the control plane's preview secret (32 random bytes, base64url). */
export const PREVIEW_KEY_FILE = "preview-key";

/**
 * The preview keys of a control plane: one secret in the data directory, created on first use,
 * from which each environment's key is derived (HMAC-SHA256 of the environment name), so a token
 * for staging never opens production and no list of keys needs keeping. Deleting the file (and
 * restarting the server) rotates every key: all tokens handed out so far stop working.
 */
export class PreviewKeys {
  private secret: Buffer | undefined;

  constructor(private readonly file: string) {}

  /** The key the proxy gets for `environment`'s routes (route.preview.key). */
  keyFor(environment: string): string {
    return createHmac("sha256", this.loadSecret())
      .update(`slipway-preview-environment\0${environment}`)
      .digest("base64url");
  }

  /** The `x-slipway-revision` value that previews `revisionId` of `environment`. */
  tokenFor(environment: string, revisionId: string): string {
    return previewToken(this.keyFor(environment), revisionId);
  }

  private loadSecret(): Buffer {
    if (this.secret) return this.secret;
    let text: string;
    try {
      text = readFileSync(this.file, "utf8").trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      mkdirSync(dirname(this.file), { recursive: true });
      text = newPreviewKey();
      // "wx": two processes creating it at once must not end with different secrets in memory.
      try {
        writeFileSync(this.file, `${text}\n`, { mode: 0o600, flag: "wx" });
      } catch (raced) {
        if ((raced as NodeJS.ErrnoException).code !== "EEXIST") throw raced;
        text = readFileSync(this.file, "utf8").trim();
      }
    }
    const secret = Buffer.from(text, "base64url");
    if (secret.length !== PREVIEW_KEY_BYTES) {
      throw new Error(
        `${this.file} does not hold a preview key (32 bytes, base64url); delete it to make a new one`,
      );
    }
    this.secret = secret;
    return secret;
  }
}

/** What previewKeyLookup needs of slipway.yaml. */
export interface PreviewSettings {
  environments: Readonly<Record<string, { preview: boolean }>>;
}

/**
 * The traffic router's `previewKeyOf`: an environment's key while slipway.yaml leaves its preview
 * on, else undefined. A config that cannot be read turns preview off (fails closed) until fixed.
 */
export function previewKeyLookup(
  keys: PreviewKeys,
  config: () => PreviewSettings,
): (environment: string) => string | undefined {
  return (environment) => {
    let settings: PreviewSettings;
    try {
      settings = config();
    } catch {
      return undefined;
    }
    return own(settings.environments, environment)?.preview === true ? keys.keyFor(environment) : undefined;
  };
}
