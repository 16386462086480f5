import { SlipwayError } from "../core/errors.js";

/** A report that cannot be read: names the file, line and column, and what was expected. */
export function malformed(file: string, line: number, col: number, why: string): SlipwayError {
  return new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${file}:${line}:${col}: ${why}`);
}

/** Line and column (1-based) of a character offset. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

/**
 * JSON.parse with the failure placed: V8 names the offset ("at position 42"; Node 22+ also
 * "(line 3 column 5)"), which is turned into file:line:col. An unplaceable error is put at 1:1.
 */
export function parseJson(file: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const lineCol = /line (\d+) column (\d+)/.exec(message);
    const offset = /position (\d+)/.exec(message);
    const at = lineCol
      ? { line: Number(lineCol[1]), col: Number(lineCol[2]) }
      : offset
        ? positionOf(text, Number(offset[1]))
        : text.trim() === ""
          ? { line: 1, col: 1 }
          : positionOf(text, text.length);
    throw malformed(
      file,
      at.line,
      at.col,
      `not valid JSON (${what} expected): ${message.replace(/\s*\(line \d+ column \d+\)/, "")}`,
    );
  }
}

/** The line of the first occurrence of `needle` (for errors about a JSON document's content). */
export function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : positionOf(text, i).line;
}
