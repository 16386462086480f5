import { MetricQueryError, type TemplateVars } from "./provider.js";
import { own } from "../core/own.js";

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Fill {{name}} placeholders (Flagger and Argo users know the syntax). Each value passes through
 * `escape` for the target language, so a revision id can never change a query's meaning. An
 * unknown name is an error naming it and the names available, never an empty string.
 */
export function renderTemplate(
  template: string,
  vars: TemplateVars,
  escape: (value: string) => string = (v) => v,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = own(vars, name);
    if (value === undefined) {
      const known = Object.keys(vars).sort().join(", ") || "none";
      throw new MetricQueryError(
        "bad-spec",
        `unknown placeholder {{${name}}} in "${template}" (known: ${known})`,
      );
    }
    return escape(value);
  });
}

/** Escape for a PromQL double- or single-quoted string literal (label matchers). */
export const escapePromQL = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/'/g, "\\'").replace(/\n/g, "\\n");

/** Escape for a URL component. */
export const escapeUrl = (value: string): string => encodeURIComponent(value);

/** Quote for a POSIX shell word. */
export const escapeShell = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
