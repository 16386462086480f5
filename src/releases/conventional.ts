import { CommitParser } from "conventional-commits-parser";
import type { ConventionalCommit } from "../core/release/version.js";

/**
 * The Conventional Commits reading of conventional-changelog's `conventionalcommits` preset: a `!`
 * after the type or scope marks a breaking change, and so do `BREAKING CHANGE:` and
 * `BREAKING-CHANGE:` footers. conventional-commits-parser 6 (ESM, Node >= 18): its 7.x needs Node 22.
 */
const parser = new CommitParser({
  headerPattern: /^(\w*)(?:\((.*)\))?!?: (.*)$/,
  breakingHeaderPattern: /^(\w*)(?:\((.*)\))?!: (.*)$/,
  headerCorrespondence: ["type", "scope", "subject"],
  noteKeywords: ["BREAKING CHANGE", "BREAKING-CHANGE"],
  revertPattern: /^(?:Revert|revert:)\s"?([\s\S]+?)"?\s*This reverts commit (\w*)\./i,
  revertCorrespondence: ["header", "hash"],
  issuePrefixes: ["#"],
});

const BREAKING_NOTE = /^BREAKING[ -]CHANGE$/;

/** Reads one commit message; a message that is not conventional gets type null and its first line as subject. */
export function parseCommitMessage(sha: string, message: string): ConventionalCommit {
  const parsed = parser.parse(message.trim());
  const type = typeof parsed.type === "string" && parsed.type !== "" ? parsed.type.toLowerCase() : null;
  const subject =
    (typeof parsed.subject === "string" && parsed.subject !== "" ? parsed.subject : null) ??
    parsed.header ??
    message.trim().split("\n")[0] ??
    "";
  const notes = parsed.notes.filter((n) => BREAKING_NOTE.test(n.title));
  return {
    sha,
    type,
    scope: typeof parsed.scope === "string" && parsed.scope !== "" ? parsed.scope : null,
    subject,
    breaking: type !== null && notes.length > 0,
    // A `!` header without a footer gets its subject as the note (breakingHeaderPattern).
    breakingNotes: notes.map((n) => n.text.trim()).filter((text) => text !== ""),
  };
}
