/** What replaces a secret in any printed or stored line, as on GitHub. */
export const MASK = "***";

/**
 * Replaces registered secrets in text. A multi-line secret is also registered line by line (output
 * arrives line by line), and every value also in its base64 forms (at the three byte alignments,
 * so it is caught inside a longer base64 string too), as GitHub's runner does.
 */
export class Masker {
  private readonly values = new Set<string>();
  private sorted: string[] = [];

  add(secret: string): void {
    const candidates = [secret, ...secret.split(/\r?\n/).map((line) => line.trim())];
    for (const candidate of candidates) {
      // Very short values would mask ordinary text ("1", "a"); GitHub skips them too.
      if (candidate.length < 2) continue;
      this.values.add(candidate);
      for (const encoded of base64Forms(candidate)) this.values.add(encoded);
    }
    this.sorted = [...this.values].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let result = text;
    for (const value of this.sorted) if (result.includes(value)) result = result.split(value).join(MASK);
    return result;
  }
}

function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = [bytes.toString("base64")];
  for (let shift = 0; shift < 3; shift++) {
    // The secret inside a longer encoded text starts at some byte offset mod 3: encode it behind
    // `shift` filler bytes, then keep only the characters that depend on the secret's bytes alone.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor((shift + bytes.length) / 3) * 4;
    forms.push(encoded.slice(start, end));
  }
  return forms.filter((form) => form.length >= 4);
}
