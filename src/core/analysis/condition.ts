/**
 * Success and failure conditions as Argo Rollouts users write them, over a measurement's result
 * vector: `result < 0.05`, `result[0] >= 0.95`, `len(result) == 0 || isNaN(result)`,
 * `result > 100 and result < 200`, `not (exitCode == 0)`. A small language on purpose: parsed once
 * (errors name the column), evaluated without `eval`.
 */

export interface ConditionEnv {
  result: readonly number[];
  exitCode?: number;
}

type Node =
  | { kind: "number"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "result"; index: number | undefined }
  | { kind: "exitCode" }
  | { kind: "len" }
  | { kind: "call"; fn: "isNaN" | "isInf"; arg: Node }
  | { kind: "not"; arg: Node }
  | { kind: "binary"; op: "&&" | "||" | "<" | "<=" | ">" | ">=" | "==" | "!="; left: Node; right: Node };

export interface Condition {
  source: string;
  /** True when the condition itself handles missing data (len(result), isNaN), so no data is not short-circuited. */
  handlesNoData: boolean;
  evaluate(env: ConditionEnv): boolean;
}

/** A condition that does not parse; `column` is 1-based within the condition text. */
export class ConditionSyntaxError extends Error {
  override readonly name = "ConditionSyntaxError";
  constructor(
    readonly source: string,
    readonly column: number,
    readonly expected: string,
  ) {
    super(`condition "${source}" col ${column}: expected ${expected}`);
  }
}

type Token = { text: string; col: number };

const TOKEN = /\s*(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|&&|\|\||<=|>=|==|!=|[<>!()[\]]|[A-Za-z_][A-Za-z0-9_]*|\S)/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (TOKEN.lastIndex < source.length && (match = TOKEN.exec(source)) !== null) {
    const text = match[1] as string;
    tokens.push({ text, col: match.index + match[0].length - text.length + 1 });
  }
  return tokens;
}

export function parseCondition(source: string): Condition {
  const tokens = tokenize(source);
  let pos = 0;
  let handlesNoData = false;
  const peek = () => tokens[pos]?.text;
  const col = () => tokens[pos]?.col ?? source.length + 1;
  const expect = (text: string) => {
    if (peek() !== text) throw new ConditionSyntaxError(source, col(), `"${text}"`);
    pos++;
  };
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === "||" || peek() === "or") {
      pos++;
      left = { kind: "binary", op: "||", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (peek() === "&&" || peek() === "and") {
      pos++;
      left = { kind: "binary", op: "&&", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    if (peek() === "!" || peek() === "not") {
      pos++;
      return { kind: "not", arg: parseUnary() };
    }
    const left = parseOperand();
    const op = peek();
    if (op === "<" || op === "<=" || op === ">" || op === ">=" || op === "==" || op === "!=") {
      pos++;
      return { kind: "binary", op, left, right: parseOperand() };
    }
    return left;
  };
  const parseOperand = (): Node => {
    const token = tokens[pos];
    if (!token)
      throw new ConditionSyntaxError(
        source,
        col(),
        "a number, result, len(result), isNaN(...), isInf(...) or (",
      );
    pos++;
    if (/^\d/.test(token.text)) return { kind: "number", value: Number(token.text) };
    switch (token.text) {
      case "true":
      case "false":
        return { kind: "bool", value: token.text === "true" };
      case "exitCode":
        return { kind: "exitCode" };
      case "result": {
        if (peek() !== "[") return { kind: "result", index: undefined };
        pos++;
        const index = tokens[pos];
        if (!index || !/^\d+$/.test(index.text))
          throw new ConditionSyntaxError(source, col(), "an index like result[0]");
        pos++;
        expect("]");
        return { kind: "result", index: Number(index.text) };
      }
      case "len":
        expect("(");
        expect("result");
        expect(")");
        handlesNoData = true;
        return { kind: "len" };
      case "isNaN":
      case "isInf": {
        expect("(");
        const arg = parseOr();
        expect(")");
        if (token.text === "isNaN") handlesNoData = true;
        return { kind: "call", fn: token.text, arg };
      }
      case "(": {
        const inner = parseOr();
        expect(")");
        return inner;
      }
      case "-": {
        const next = tokens[pos];
        if (next && /^\d/.test(next.text)) {
          pos++;
          return { kind: "number", value: -Number(next.text) };
        }
        break;
      }
      default:
        break;
    }
    throw new ConditionSyntaxError(
      source,
      token.col,
      "a number, result, len(result), isNaN(...), isInf(...) or (",
    );
  };
  if (tokens.length === 0) throw new ConditionSyntaxError(source, 1, "a condition");
  const ast = parseOr();
  if (pos < tokens.length)
    throw new ConditionSyntaxError(source, col(), "an operator (&&, ||, <, <=, >, >=, ==, !=) or the end");
  return { source, handlesNoData, evaluate: (env) => truthy(evaluate(ast, env)) };
}

function truthy(v: number | boolean): boolean {
  return typeof v === "boolean" ? v : v !== 0 && !Number.isNaN(v);
}

function num(v: number | boolean): number {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

function evaluate(node: Node, env: ConditionEnv): number | boolean {
  switch (node.kind) {
    case "number":
    case "bool":
      return node.value;
    case "result":
      return env.result[node.index ?? 0] ?? Number.NaN;
    case "exitCode":
      return env.exitCode ?? Number.NaN;
    case "len":
      return env.result.length;
    case "call": {
      const v = num(evaluate(node.arg, env));
      return node.fn === "isNaN"
        ? Number.isNaN(v)
        : v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY;
    }
    case "not":
      return !truthy(evaluate(node.arg, env));
    case "binary": {
      if (node.op === "&&") return truthy(evaluate(node.left, env)) && truthy(evaluate(node.right, env));
      if (node.op === "||") return truthy(evaluate(node.left, env)) || truthy(evaluate(node.right, env));
      const a = num(evaluate(node.left, env));
      const b = num(evaluate(node.right, env));
      switch (node.op) {
        case "<":
          return a < b;
        case "<=":
          return a <= b;
        case ">":
          return a > b;
        case ">=":
          return a >= b;
        case "==":
          return a === b;
        case "!=":
          return a !== b;
        default: {
          const never: never = node.op;
          throw new Error(`unknown operator ${String(never)}`);
        }
      }
    }
    default: {
      const never: never = node;
      throw new Error(`unknown node ${JSON.stringify(never)}`);
    }
  }
}
