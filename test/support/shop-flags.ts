import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The flag file both OpenFeature provider tests serve (packages/*/test): one flag per reason and
// error code an SDK should see, in a fresh temp dir.

export interface FlagFile {
  /** The flagd document's path. */
  file: string;
  /** Replaces the document the way a deploy would: written beside it, then renamed over it. */
  save: (document: unknown) => void;
  /** Removes the temp dir. */
  remove: () => void;
}

export function tempFlagFile(prefix: string): FlagFile {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, "flags.json");
  return {
    file,
    save(document) {
      writeFileSync(`${file}.tmp`, JSON.stringify(document, null, 2));
      renameSync(`${file}.tmp`, file);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The shop's flag set: staff get the new checkout, others a 30/70 split; `banner` carries
 * `bannerText` (change it to see ConfigurationChanged); disabled, default-less and broken flags.
 */
export const shopFlagSet = (
  bannerText: string,
  options: { metadata?: Record<string, string>; theme?: "dark" | "light" } = {},
) => ({
  metadata: options.metadata ?? { flagSetId: "shop" },
  $evaluators: { isStaff: { ends_with: [{ var: "email" }, "@shop.example"] } },
  flags: {
    "new-checkout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        if: [
          { $ref: "isStaff" },
          "on",
          {
            fractional: [
              ["on", 30],
              ["off", 70],
            ],
          },
        ],
      },
      metadata: { owner: "payments" },
    },
    banner: { state: "ENABLED", variants: { current: bannerText, none: "" }, defaultVariant: "current" },
    "page-size": {
      state: "ENABLED",
      variants: { small: 10, large: 50 },
      defaultVariant: "small",
      targeting: { if: [{ sem_ver: [{ var: "appVersion" }, ">=", "2.0.0"] }, "large", null] },
    },
    theme: {
      state: "ENABLED",
      variants: { dark: { bg: "#000" }, light: { bg: "#fff" } },
      defaultVariant: options.theme ?? "light",
    },
    "old-nav": { state: "DISABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    "no-default": { state: "ENABLED", variants: { a: "A", b: "B" }, defaultVariant: null },
    "broken-ref": {
      state: "ENABLED",
      variants: { a: true },
      defaultVariant: "a",
      targeting: { if: [{ $ref: "missing" }, "a", null] },
    },
  },
});
