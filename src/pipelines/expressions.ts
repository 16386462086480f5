import { Evaluator, Lexer, Parser, data } from "@actions/expressions";

type ExpressionData = data.ExpressionData;
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { TokenType, type Token } from "@actions/expressions/lexer";
import { truthy } from "@actions/expressions/result";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import type { StatusFunctions } from "../core/workflow/status.js";

/** Every named context a workflow may use; the schema already checked which are legal where. */
export const CONTEXT_NAMES = [
  "github",
  "env",
  "vars",
  "secrets",
  "inputs",
  "matrix",
  "needs",
  "steps",
  "job",
  "jobs",
  "runner",
  "strategy",
] as const;

export type Contexts = Partial<Record<(typeof CONTEXT_NAMES)[number], unknown>>;

/** Functions beyond the built-in ones: status functions (where legal) and hashFiles. */
export interface ExtraFunctions {
  status?: StatusFunctions;
  hashFiles?: (patterns: string[]) => string;
}

/** An expression could not be evaluated; `where` is file:line:col when the token knows it. */
export class ExpressionFailure extends Error {
  override readonly name = "ExpressionFailure";
}

const STATUS_NAMES = ["success", "failure", "cancelled", "always"] as const;

function functionsFor(extra: ExtraFunctions): {
  infos: FunctionDefinition[];
  map: Map<string, FunctionDefinition>;
} {
  const infos: FunctionDefinition[] = [];
  const { status, hashFiles } = extra;
  for (const name of STATUS_NAMES) {
    infos.push({
      name,
      minArgs: 0,
      maxArgs: 255,
      call: () => {
        if (!status) throw new ExpressionFailure(`${name}() is not allowed here`);
        return new data.BooleanData(status[name]());
      },
    });
  }
  infos.push({
    name: "hashFiles",
    minArgs: 1,
    maxArgs: 255,
    call: (...args) => {
      if (!hashFiles) throw new ExpressionFailure("hashFiles() is not allowed here");
      return new data.StringData(hashFiles(args.map((arg) => arg.coerceString())));
    },
  });
  return { infos, map: new Map(infos.map((info) => [info.name.toLowerCase(), info])) };
}

/**
 * Lexes an expression. @actions/expressions 0.3.61 unescapes only the first `''` of a string
 * literal (`value.replace("''", "'")`), which breaks any `run:` script with two single quotes and
 * an expression (the parser turns it into one format() literal); we unescape all of them.
 */
function lex(expression: string): Token[] {
  const { tokens } = new Lexer(expression).lex();
  for (const token of tokens) {
    if (token.type === TokenType.STRING) token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
  }
  return tokens;
}

/** Evaluates one `${{ }}` expression (without the braces) against plain-JSON contexts. */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  extra: ExtraFunctions = {},
): unknown {
  const { infos, map } = functionsFor(extra);
  try {
    const tokens = lex(expression);
    const tree = new Parser(tokens, [...CONTEXT_NAMES], infos).parse();
    const dictionary = contextData(tokens, contexts);
    return fromData(new Evaluator(tree, dictionary, map).evaluate());
  } catch (error) {
    if (error instanceof ExpressionFailure) throw error;
    throw new ExpressionFailure(`${(error as Error).message} in \${{ ${expression} }}`);
  }
}

/** Evaluates an `if:` condition (the converter already wrapped it in success() && (…) when needed). */
export function evaluateCondition(expression: string, contexts: Contexts, extra: ExtraFunctions): boolean {
  const { infos, map } = functionsFor(extra);
  try {
    const tokens = lex(expression);
    const tree = new Parser(tokens, [...CONTEXT_NAMES], infos).parse();
    return truthy(new Evaluator(tree, contextData(tokens, contexts), map).evaluate());
  } catch (error) {
    if (error instanceof ExpressionFailure) throw error;
    throw new ExpressionFailure(`${(error as Error).message} in if: ${expression}`);
  }
}

/**
 * Evaluates a template token (a value from the workflow file) to plain JSON: literals as they are,
 * `${{ }}` expressions evaluated, mappings and sequences walked, `${{ insert }}` keys merged.
 */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  extra: ExtraFunctions = {},
  fileName = "",
): unknown {
  if (token === undefined) return undefined;
  const at = token.line !== undefined ? `${fileName}:${token.line}:${token.col ?? 1}: ` : "";
  const node = token as unknown as TokenShape;
  switch (token.templateTokenType) {
    case TOKEN.String:
    case TOKEN.Number:
    case TOKEN.Boolean:
      return node.value;
    case TOKEN.Null:
      return null;
    case TOKEN.BasicExpression:
      try {
        return evaluateExpression(node.expression ?? "", contexts, extra);
      } catch (error) {
        throw new ExpressionFailure(`${at}${(error as Error).message}`);
      }
    case TOKEN.Sequence: {
      const items: unknown[] = [];
      for (let i = 0; i < (node.count ?? 0); i++)
        items.push(evaluateToken(node.get?.(i) as TemplateToken, contexts, extra, fileName));
      return items;
    }
    case TOKEN.Mapping: {
      const result = Object.create(null) as Record<string, unknown>;
      for (let i = 0; i < (node.count ?? 0); i++) {
        const pair = node.get?.(i) as { key: TemplateToken; value: TemplateToken };
        const value = evaluateToken(pair.value, contexts, extra, fileName);
        if (pair.key.templateTokenType === TOKEN.InsertExpression) {
          if (value && typeof value === "object") Object.assign(result, value);
          continue;
        }
        result[String(evaluateToken(pair.key, contexts, extra, fileName))] = value;
      }
      return result;
    }
    default:
      throw new ExpressionFailure(`${at}unexpected value in the workflow`);
  }
}

/** The token types of @actions/workflow-parser (templates/tokens/types.ts). */
const TOKEN = {
  String: 0,
  Sequence: 1,
  Mapping: 2,
  BasicExpression: 3,
  InsertExpression: 4,
  Boolean: 5,
  Number: 6,
  Null: 7,
} as const;

interface TokenShape {
  value?: unknown;
  expression?: string;
  count?: number;
  get?(index: number): unknown;
}

/** GitHub's string coercion: what `${{ x }}` prints (objects as JSON, null as empty). */
export function toExpressionString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, null, 2);
}

/**
 * The contexts an expression names, as expression data: converting every context for every `if:`
 * (most are the default `success()`, which names none) would copy the event payload and all the
 * `needs` of a job each time. Names are matched case-insensitively, as the evaluator does.
 */
function contextData(tokens: Token[], contexts: Contexts): data.Dictionary {
  const used: Record<string, unknown> = {};
  for (const token of tokens) {
    if (token.type !== TokenType.IDENTIFIER) continue;
    const name = token.lexeme.toLowerCase();
    if (Object.hasOwn(contexts, name)) used[name] = contexts[name as keyof Contexts];
  }
  return toData(used) as data.Dictionary;
}

function toData(value: unknown): ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

function fromData(value: ExpressionData): unknown {
  switch (value.kind) {
    case data.Kind.String:
    case data.Kind.Number:
    case data.Kind.Boolean:
      return (value as unknown as { value: unknown }).value;
    case data.Kind.Null:
      return null;
    case data.Kind.Array:
      return value.values().map(fromData);
    case data.Kind.Dictionary:
    default: {
      const result = Object.create(null) as Record<string, unknown>;
      for (const pair of value.pairs()) result[pair.key] = fromData(pair.value);
      return result;
    }
  }
}
