import { Option, type Command } from "commander";
import { SlipwayError, isSlipwayError } from "../../core/errors.js";
import { evaluateFlag, matchesType } from "../../flags/core/evaluate.js";
import {
  FLAG_VALUE_TYPES,
  type EvaluationContext,
  type FlagValueType,
  type JsonValue,
} from "../../flags/core/types.js";
import { loadFlagFiles, parseFlagFile, readFlagFile } from "../../flags/load.js";
import { FLAGS_SERVE_DEFAULTS, startFlagServer } from "../../flags/serve.js";
import { printJson } from "../output.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseJsonOption(name: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `${name} must be a JSON value (strings in quotes, e.g. '"bye"'), got ${text}`,
    );
  }
}

const ZERO_VALUES: Record<FlagValueType, JsonValue> = {
  boolean: false,
  string: "",
  integer: 0,
  float: 0,
  object: {},
};

function inferType(value: JsonValue): FlagValueType | undefined {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "float";
  if (typeof value === "object" && value !== null) return "object";
  return undefined;
}

interface EvalOptions {
  file: string[];
  flag: string;
  type?: FlagValueType;
  default?: string;
  context?: string;
  json?: boolean;
}

/**
 * `slipway flags eval|validate|serve`: evaluate a flag from flagd files as an OpenFeature SDK would,
 * check files against flagd's schema, or serve them over OFREP as `flagd start` does.
 */
export function registerFlags(program: Command): void {
  const flags = program
    .command("flags")
    .description("Feature flags in the flagd format: evaluate, validate, serve over OFREP");

  flags
    .command("eval")
    .description("Evaluate one flag and print its details (exit 0 also when the evaluation errs: see reason)")
    .requiredOption(
      "--file <path>",
      "flagd flag file (JSON or YAML); repeat to merge, later files win",
      collect,
      [],
    )
    .requiredOption("--flag <key>", "the flag's key")
    .addOption(new Option("--type <type>", "the value type asked for").choices(FLAG_VALUE_TYPES))
    .option("--default <json>", "the caller's default, a JSON value: false, '\"bye\"', 3, {}")
    .option("--context <json>", 'evaluation context, a JSON object; the targeting key as "targetingKey"')
    .option("--json", "print the evaluation details as one JSON document")
    .action((options: EvalOptions) => {
      const given = options.default === undefined ? undefined : parseJsonOption("--default", options.default);
      const type = options.type ?? (given === undefined ? undefined : inferType(given));
      if (options.type && given !== undefined && !matchesType(given, options.type)) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--default ${options.default} does not match --type ${options.type}`,
        );
      }
      const defaultValue: JsonValue = given ?? (type ? ZERO_VALUES[type] : null);
      let context: EvaluationContext = {};
      if (options.context !== undefined) {
        const parsed = parseJsonOption("--context", options.context);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--context must be a JSON object, got ${options.context}`,
          );
        }
        context = parsed;
      }
      const { compiled } = loadFlagFiles(options.file);
      const details = evaluateFlag(compiled, { key: options.flag, type, defaultValue, context }, Date.now);
      const document = {
        key: details.key,
        value: details.value,
        variant: details.variant ?? null,
        reason: details.reason,
        errorCode: details.errorCode ?? null,
        errorMessage: details.errorMessage ?? null,
        flagMetadata: details.flagMetadata,
      };
      if (options.json) return printJson(document);
      const variant = details.variant === undefined ? "" : `, variant ${details.variant}`;
      process.stdout.write(
        `${details.key} = ${JSON.stringify(details.value)} (${details.reason}${variant})\n`,
      );
      if (details.errorCode) process.stdout.write(`  ${details.errorCode}: ${details.errorMessage ?? ""}\n`);
    });

  flags
    .command("validate")
    .description("Check flag files against flagd's schema; problems as FILE:LINE:COL: /json/pointer: message")
    .argument("<files...>", "flagd flag files (JSON or YAML)")
    .option("--json", "print one JSON document")
    .action((files: string[], options: { json?: boolean }) => {
      const results = files.map((file) => {
        try {
          const set = parseFlagFile(file, readFlagFile(file));
          return { file, valid: true as const, flags: Object.keys(set.flags) };
        } catch (error) {
          if (!isSlipwayError(error)) throw error;
          return { file, valid: false as const, error };
        }
      });
      if (options.json) {
        printJson({
          valid: results.every((r) => r.valid),
          files: results.map((r) =>
            r.valid
              ? { file: r.file, valid: true, flags: r.flags }
              : { file: r.file, valid: false, problems: r.error.details.problems ?? [r.error.message] },
          ),
        });
      }
      for (const r of results) {
        if (r.valid) {
          if (!options.json)
            process.stdout.write(`${r.file} is valid: ${r.flags.length} flag(s) (${r.flags.join(", ")})\n`);
        } else if (!options.json) {
          process.stderr.write(`slipway: ${r.error.message}\n`);
          for (const problem of r.error.details.problems ?? []) process.stderr.write(`  ${problem}\n`);
        }
      }
      if (results.some((r) => !r.valid)) process.exitCode = 2;
    });

  flags
    .command("serve")
    .description(
      "Serve flag files over OFREP on loopback (no authentication), reloading them when they change; runs until SIGTERM",
    )
    .argument("<files...>", "flagd flag files (JSON or YAML); later files win")
    .option("--port <n>", "port on 127.0.0.1 (0 picks a free one)", String(FLAGS_SERVE_DEFAULTS.port))
    .action(async (files: string[], options: { port: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new SlipwayError(
          "SLIPWAY_INVALID_ARGUMENT",
          `--port must be an integer from 0 to 65535, got "${options.port}"`,
        );
      }
      const server = await startFlagServer({ files, port, log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`listening on ${server.url}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
