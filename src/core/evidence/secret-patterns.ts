import picomatch from "picomatch";
import type { SecretFinding } from "./types.js";

/**
 * Known token formats (each issuer's documented prefix and length), and a fallback for generic
 * secrets: a quoted value of 20+ characters assigned to a name that looks secret, with high
 * Shannon entropy (random keys; not words or placeholders).
 */
const PATTERNS: { rule: string; pattern: RegExp }[] = [
  { rule: "aws-access-key-id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { rule: "github-token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { rule: "github-fine-grained-token", pattern: /\bgithub_pat_[A-Za-z0-9_]{60,}\b/ },
  { rule: "gitlab-token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { rule: "slack-token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/ },
  { rule: "stripe-live-key", pattern: /\b[sr]k_live_[A-Za-z0-9]{24,}\b/ },
  { rule: "google-api-key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { rule: "npm-token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  {
    rule: "private-key",
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----/,
  },
];

const ASSIGNMENT =
  /(?:secret|token|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_-]*["']?\s*[:=]\s*["']([^"'\s]{20,})["']/i;

/** Bits per character of a string's own character distribution. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

export const ENTROPY_THRESHOLD = 4;
/** A line carrying this marker is not reported (a documented test key, say). */
export const ALLOW_MARKER = "slipway:allow-secret";

/** What a scan skips: file globs (relative to the scanned root) and/or rule names. */
export interface SecretAllowlist {
  paths: string[];
  rules: string[];
}

/** The findings in one file's text. Pure; the directory walk lives in src/evidence. */
export function findSecrets(file: string, text: string, allow: SecretAllowlist): SecretFinding[] {
  if (allow.paths.some((glob) => picomatch.isMatch(file, glob, { dot: true }))) return [];
  const findings: SecretFinding[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.includes(ALLOW_MARKER)) return;
    const known = PATTERNS.find((p) => p.pattern.test(line));
    let rule = known?.rule;
    if (!rule) {
      const value = ASSIGNMENT.exec(line)?.[1];
      if (value && shannonEntropy(value) >= ENTROPY_THRESHOLD) rule = "high-entropy-secret";
    }
    if (rule && !allow.rules.includes(rule)) findings.push({ file, line: i + 1, rule });
  });
  return findings;
}
