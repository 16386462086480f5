/**
 * Webhook URLs are credentials (a Slack incoming-webhook URL is the whole secret), so logs and
 * stored errors name a channel and, at most, its origin.
 */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/***`;
  } catch {
    return "***";
  }
}

/** Replaces every occurrence of each secret (and each URL's path and query) in `text` with ***. */
export function scrub(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    needles.add(secret);
    try {
      const parsed = new URL(secret);
      if (parsed.pathname.length > 1) needles.add(parsed.pathname);
      if (parsed.search) needles.add(parsed.search);
      if (parsed.password) needles.add(parsed.password);
    } catch {
      // not a URL: the string itself is the secret
    }
  }
  let out = text;
  // Longest first, so a URL is replaced whole before its path is.
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) out = out.split(needle).join("***");
  return out;
}
