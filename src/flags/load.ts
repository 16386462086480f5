import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import { walk } from "../config/locate.js";
import { SlipwayError } from "../core/errors.js";
import { compileFlagSets, type CompiledFlagSet, type CompileOptions } from "./core/compile.js";
import { toFlagSet, unescapePointer, validateFlagDocument, type SchemaProblem } from "./core/schema.js";
import type { FlagSetDefinition } from "./core/types.js";

/** Flags loaded from files, compiled and ready to evaluate. */
export interface LoadedFlags {
  compiled: CompiledFlagSet;
  /** The parsed files, in order: the served flagd document is built from them. */
  sets: readonly FlagSetDefinition[];
  files: readonly string[];
}

interface LocatedProblem {
  line: number;
  col: number;
  pointer: string;
  message: string;
}

const isYaml = (file: string): boolean => /\.ya?ml$/i.test(file);

/** "Unexpected token } in JSON at position 42" (Node 20) or "… (line 3 column 5)" (Node 22+). */
function jsonErrorOffset(message: string, text: string): { line: number; col: number } | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), col: Number(lineCol[2]) };
  const position = /at position (\d+)/.exec(message);
  if (!position) return undefined;
  const before = text.slice(0, Number(position[1]));
  const lines = before.split("\n");
  return { line: lines.length, col: lines.at(-1)!.length + 1 };
}

function locate(doc: Document, lines: LineCounter, problem: SchemaProblem): LocatedProblem {
  const segments = problem.pointer === "" ? [] : problem.pointer.slice(1).split("/").map(unescapePointer);
  const path = segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const found = walk(doc, path);
  // A wrong key ("unknown property") is best shown at the key itself.
  const unknown = /^unknown property "(.*)"$/.exec(problem.message);
  let node = found.node;
  if (unknown && found.complete) {
    const inner = walk(doc, [...path, unknown[1]!]);
    if (inner.complete && inner.keyNode) node = inner.keyNode;
  }
  const offset = node?.range?.[0];
  const { line, col } = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
  return { line, col, pointer: problem.pointer, message: problem.message };
}

function invalid(file: string, problems: LocatedProblem[]): SlipwayError {
  const lines = problems.map(
    (p) => `${file}:${p.line}:${p.col}: ${p.pointer === "" ? "" : `${p.pointer}: `}${p.message}`,
  );
  const first = problems[0] ?? { line: 1, col: 1 };
  return new SlipwayError(
    "SLIPWAY_INVALID_FLAGS",
    lines.length === 1 ? lines[0]! : `${file} has ${lines.length} problems`,
    {
      location: { file, line: first.line, col: first.col },
      ...(lines.length > 1 && { problems: lines }),
    },
  );
}

/**
 * Parses and validates one flag file's text (JSON, or YAML by extension, as flagd accepts both).
 * Throws SLIPWAY_INVALID_FLAGS naming file:line:col and the JSON pointer of every problem.
 */
export function parseFlagFile(file: string, text: string): FlagSetDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  let data: unknown;
  if (isYaml(file)) {
    if (doc.errors.length > 0) {
      throw invalid(
        file,
        doc.errors.map((error) => ({
          ...lines.linePos(error.pos[0]),
          pointer: "",
          message: `invalid YAML: ${error.message.split("\n")[0]}`,
        })),
      );
    }
    data = doc.toJS();
  } else {
    try {
      data = JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const at =
        jsonErrorOffset(message, text) ??
        (doc.errors[0] ? lines.linePos(doc.errors[0].pos[0]) : { line: 1, col: 1 });
      throw invalid(file, [{ ...at, pointer: "", message: `invalid JSON: ${message.split("\n")[0]}` }]);
    }
  }
  const schemaProblems = validateFlagDocument(data);
  const isObject = data !== null && typeof data === "object" && !Array.isArray(data);
  // The checks the schema cannot express run even on an invalid file, so all problems show at once.
  const checked = isObject ? toFlagSet(data as Record<string, unknown>) : undefined;
  const all = [...schemaProblems, ...(checked?.problems ?? [])].map((p) => locate(doc, lines, p));
  if (all.length > 0 || !checked)
    throw invalid(
      file,
      all.sort((a, b) => a.line - b.line || a.col - b.col),
    );
  return checked.set;
}

/** A flag file's text; a missing or unreadable file is an invalid flag file (exit 2), named. */
export function readFlagFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SlipwayError(
      "SLIPWAY_INVALID_FLAGS",
      code === "ENOENT" ? `${file}: no such flag file` : `${file}: cannot read (${code ?? String(error)})`,
    );
  }
}

/** Reads, validates and compiles flag files; later files override earlier ones flag by flag. */
export function loadFlagFiles(files: readonly string[], options: CompileOptions = {}): LoadedFlags {
  const sets = files.map((file) => parseFlagFile(file, readFlagFile(file)));
  return { compiled: compileFlagSets(sets, options), sets, files };
}
