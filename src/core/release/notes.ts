import type { ConventionalCommit } from "./version.js";

/**
 * Release notes as Markdown, grouped by type in the order readers look for them, with commit and
 * compare links when the repository's web address is known. Pure: the caller supplies the date.
 */

/** Sections of the notes; types not listed (docs, chore, refactor, test, ci, build, style) stay out, as in release-please. */
export const NOTE_SECTIONS: ReadonlyArray<{ type: string; title: string }> = [
  { type: "feat", title: "Features" },
  { type: "fix", title: "Bug fixes" },
  { type: "perf", title: "Performance" },
  { type: "revert", title: "Reverts" },
];
export const BREAKING_TITLE = "⚠ Breaking changes";

/** Where a commit and a comparison of two tags can be read on the web. */
export interface RepoLinks {
  commit(sha: string): string;
  compare(fromTag: string, toTag: string): string;
}

/**
 * The web links of a git remote (`git remote get-url origin`) in its https, ssh or scp-like form;
 * undefined for a local path or a form we cannot read. GitLab spells its paths with `/-/`.
 *
 * @example repoLinks("git@github.com:acme/shop.git")?.commit("abc") // "https://github.com/acme/shop/commit/abc"
 */
export function repoLinks(remote: string): RepoLinks | undefined {
  const url = remote.trim();
  const match =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|git:\/\/)([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(
      url,
    ) ?? /^(?:[^@/]+@)?([^/:]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(url);
  if (!match) return undefined;
  const [, host, path] = match as unknown as [string, string, string];
  if (!path.includes("/") || host === "localhost") return undefined;
  const base = `https://${host}/${path}`;
  const dash = host.includes("gitlab") ? "/-" : "";
  const enc = (tag: string) => encodeURIComponent(tag);
  return {
    commit: (sha) => `${base}${dash}/commit/${sha}`,
    compare: (from, to) => `${base}${dash}/compare/${enc(from)}...${enc(to)}`,
  };
}

export interface NotesInput {
  version: string;
  tag: string;
  previousTag?: string;
  /** YYYY-MM-DD */
  date: string;
  commits: readonly ConventionalCommit[];
  links?: RepoLinks;
  /** The prerelease whose build this final version reuses. */
  promotedFrom?: string;
}

const short = (sha: string) => sha.slice(0, 7);

function item(commit: ConventionalCommit, text: string, links: RepoLinks | undefined): string {
  const scope = commit.scope ? `**${commit.scope}:** ` : "";
  const ref = links ? `[${short(commit.sha)}](${links.commit(commit.sha)})` : short(commit.sha);
  return `* ${scope}${text} (${ref})`;
}

/**
 * The notes of one version: a `## ` heading (linked to the comparison with the previous tag when
 * links are known), then a section per type that has commits, breaking changes first.
 *
 * @example renderNotes({ version: "1.4.0", tag: "web@1.4.0", date: "2026-12-06", commits })
 * // "## 1.4.0 (2026-12-06)\n\n### Features\n\n* **cart:** keep items (abc1234)\n"
 */
export function renderNotes(input: NotesInput): string {
  const { links } = input;
  const title =
    links && input.previousTag
      ? `[${input.version}](${links.compare(input.previousTag, input.tag)})`
      : input.version;
  const out: string[] = [`## ${title} (${input.date})`, ""];
  if (input.promotedFrom) out.push(`Promoted from ${input.promotedFrom} (same build).`, "");
  const breaking = input.commits.filter((c) => c.breaking);
  if (breaking.length > 0) {
    out.push(`### ${BREAKING_TITLE}`, "");
    for (const commit of breaking) {
      const notes = commit.breakingNotes.length > 0 ? commit.breakingNotes : [commit.subject];
      for (const note of notes) out.push(item(commit, note.replace(/\s*\n\s*/g, " "), links));
    }
    out.push("");
  }
  for (const section of NOTE_SECTIONS) {
    const commits = input.commits.filter((c) => c.type === section.type);
    if (commits.length === 0) continue;
    out.push(`### ${section.title}`, "");
    for (const commit of commits) out.push(item(commit, commit.subject, links));
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export const CHANGELOG_HEADING = "# Changelog";

/**
 * CHANGELOG.md with `notes` on top: under the file's `# …` heading when it has one, else under a new
 * `# Changelog`; everything already there is kept as it was.
 */
export function prependChangelog(existing: string | undefined, notes: string): string {
  const body = notes.trimEnd();
  if (existing === undefined || existing.trim() === "") return `${CHANGELOG_HEADING}\n\n${body}\n`;
  const lines = existing.split("\n");
  const heading = lines.findIndex((line) => line.trim() !== "");
  if (heading >= 0 && /^# /.test(lines[heading] as string)) {
    // Keep any introduction paragraph under the title: the notes go before the first "## " entry.
    let at = lines.findIndex((line, i) => i > heading && /^## /.test(line));
    if (at < 0) at = lines.length;
    const before = lines.slice(0, at).join("\n").trimEnd();
    const after = lines.slice(at).join("\n").trimStart();
    return `${before}\n\n${body}\n${after === "" ? "" : `\n${after}`}`.replace(/\n*$/, "\n");
  }
  return `${CHANGELOG_HEADING}\n\n${body}\n\n${existing.trimStart()}`.replace(/\n*$/, "\n");
}
