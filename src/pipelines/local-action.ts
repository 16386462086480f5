import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseAction } from "@actions/workflow-parser/actions/action-parser";
import { getActionSchema } from "@actions/workflow-parser/actions/action-schema";
import {
  TemplateContext,
  TemplateValidationErrors,
} from "@actions/workflow-parser/templates/template-context";
import type { TemplateSchema } from "@actions/workflow-parser/templates/schema/template-schema";
import { convertActionTemplate, type ActionTemplate } from "@actions/workflow-parser/actions/action-template";
import { NoOperationTraceWriter } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { readYamlText } from "./yaml-text.js";
import { parseActionUse } from "../core/workflow/action-ref.js";
import { statusFunctions, stepConclusion, type Conclusion } from "../core/workflow/status.js";
import type { BuiltinAction } from "./actions/contract.js";
import { evaluateCondition, toExpressionString, type Contexts } from "./expressions.js";
import { stringMap } from "./expression-values.js";
import { formatParserError } from "./load.js";
import type { LogLevel } from "../core/workflow/model.js";

type Evaluate = (token: TemplateToken | undefined, contexts: Contexts) => unknown;

/** What the job runner lends a local action: evaluation, processes, logs, outputs. */
export interface LocalActionHost {
  uses: string;
  /** The action's directory when it is not `uses` below the workspace (a remote action in the actions cache). */
  actionDir?: string;
  workspace: string;
  contexts: Contexts;
  withValues: Record<string, unknown>;
  evaluate: Evaluate;
  log: (text: string, level?: LogLevel) => void;
  setOutput: (name: string, value: string) => void;
  signal: AbortSignal;
  findAction: (uses: string) => BuiltinAction | undefined;
  /** Downloads (or finds in the actions cache) `owner/repo[/path]@ref`; returns its directory. */
  resolveRemote: (uses: string) => Promise<string>;
  /** The Node a `runs.using: nodeNN` action runs with: a binary from the tool cache, else the host's (none). */
  /**
   * The Node a `runs.using: nodeNN` action runs with: a binary from the tool cache (downloaded
   * when missing), none for the host's; `note` says why the host's runs instead.
   */
  nodeFor: (using: string) => Promise<{ binary?: string; note?: string }>;
  runBuiltin: (
    uses: string,
    inputs: Record<string, unknown>,
    outputs: Record<string, string>,
  ) => Promise<Conclusion>;
  runProcess: (
    command: { script: string; shell: string | undefined; nodeFile?: string; nodeBinary?: string },
    options: {
      env: Record<string, string>;
      cwd?: string;
      outputs: Record<string, string>;
      state: Map<string, string>;
      signal?: AbortSignal;
    },
  ) => Promise<Conclusion>;
  queuePost: (name: string, post: (status: "success" | "failure" | "cancelled") => Promise<void>) => void;
}

/** How deep composite actions may nest (GitHub allows 10). */
const MAX_DEPTH = 10;

/**
 * Runs an action from a directory — `uses: ./path` in the workspace, or a remote action in the
 * actions cache: a composite action (its steps, with the action's `inputs` context) or a
 * JavaScript action (`node12|16|20|24`, with a Node of that major from the tool cache, else the
 * host's; INPUT_* variables, outputs through $GITHUB_OUTPUT, `pre` before `main` when `pre-if`
 * holds, `post` after the job when `post-if` holds, with STATE_* variables). A Docker action
 * fails the step that reaches it.
 */
export async function runLocalAction(host: LocalActionHost, depth = 0): Promise<Conclusion> {
  const actionDir = host.actionDir ?? resolve(host.workspace, host.uses);
  const shown = host.actionDir ? host.uses : relative(host.workspace, actionDir) || ".";
  const file = ["action.yml", "action.yaml"]
    .map((name) => join(actionDir, name))
    .find((path) => existsSync(path));
  if (!file) {
    host.log(
      host.actionDir
        ? `Error: action ${host.uses}: no action.yml or action.yaml in ${actionDir}`
        : `Error: local action ${host.uses}: no action.yml or action.yaml in ${shown} (check the path, and that the job checked out the repository)`,
      "error",
    );
    return "failure";
  }
  const loaded = loadAction(
    file,
    host.actionDir ? `${host.uses}/${relative(actionDir, file)}` : relative(host.workspace, file),
  );
  if ("problems" in loaded) {
    for (const problem of loaded.problems) host.log(`Error: ${problem}`, "error");
    return "failure";
  }
  const { template, root } = loaded;

  // Inputs: given values (keys are case-insensitive), then defaults (which may be expressions).
  const given = new Map(
    Object.entries(host.withValues).map(([k, v]) => [k.toLowerCase(), toExpressionString(v)]),
  );
  const inputs = Object.create(null) as Record<string, string>;
  for (const definition of template.inputs ?? []) {
    const key = definition.id.toLowerCase();
    const value =
      given.get(key) ??
      (definition.default ? toExpressionString(host.evaluate(definition.default, host.contexts)) : undefined);
    if (value === undefined && definition.required) {
      host.log(`Error: ${host.uses}: input '${definition.id}' is required`, "error");
      return "failure";
    }
    inputs[key] = value ?? "";
    if (inputs[key] === "" && given.get(key) === undefined && defaultsToToken(definition.default))
      host.log(
        `Warning: ${host.uses}: input '${definition.id}' defaults to github.token, which is empty: Slipway has no GitHub token of its own; give the run a GITHUB_TOKEN secret (--secret GITHUB_TOKEN=…, SLIPWAY_SECRET_GITHUB_TOKEN) for actions that call GitHub's API`,
        "warning",
      );
  }
  for (const key of given.keys()) {
    if (!(key in inputs)) host.log(`Warning: ${host.uses}: unexpected input '${key}'`, "warning");
    inputs[key] ??= given.get(key) ?? "";
  }
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([key, value]) => [`INPUT_${key.replace(/ /g, "_").toUpperCase()}`, value]),
  );
  const env = {
    ...(host.contexts.env as Record<string, string>),
    ...inputEnv,
    GITHUB_ACTION_PATH: actionDir,
  };

  const runs = template.runs;
  switch (runs.using) {
    case "composite":
      return runComposite(host, { template, root, actionDir, inputs, env, depth });
    case "node12":
    case "node16":
    case "node20":
    case "node24": {
      const state = new Map<string, string>();
      const outputs = Object.create(null) as Record<string, string>;
      const node = await host.nodeFor(runs.using);
      if (node.note) host.log(`Warning: ${node.note}`, "warning");
      const runFile = async (
        entry: string,
        extraEnv: Record<string, string> = {},
        signal?: AbortSignal,
      ): Promise<Conclusion> =>
        host.runProcess(
          {
            script: "",
            shell: "node",
            nodeFile: join(actionDir, entry),
            ...(node.binary ? { nodeBinary: node.binary } : {}),
          },
          { env: { ...env, ...extraEnv }, outputs, state, ...(signal ? { signal } : {}) },
        );
      const statusNow = (): ReturnType<typeof statusFunctions> =>
        statusFunctions({ previous: [], cancelled: host.signal.aborted, scope: "step" });
      if (runs.pre && evaluateCondition(runs.preIf ?? "always()", host.contexts, { status: statusNow() })) {
        const pre = await runFile(runs.pre);
        if (pre !== "success") return pre;
      }
      const main = await runFile(runs.main);
      for (const [name, value] of Object.entries(outputs)) host.setOutput(name, value);
      if (runs.post) {
        const postFile = runs.post;
        host.queuePost(`${host.uses} (post)`, async (status) => {
          const condition = runs.postIf ?? "always()";
          const view = statusFunctions({
            previous: [status === "cancelled" ? "success" : status],
            cancelled: status === "cancelled",
            scope: "step",
          });
          if (!evaluateCondition(condition, host.contexts, { status: view })) return;
          const stateEnv = Object.fromEntries([...state].map(([k, v]) => [`STATE_${k}`, v]));
          const ended = await runFile(postFile, stateEnv, new AbortController().signal);
          if (ended !== "success") throw new Error(`post of ${host.uses} ended ${ended}`);
        });
      }
      return main;
    }
    case "docker":
      host.log(
        `Error: ${host.uses} is a Docker action (runs.using: docker); Slipway runs steps on the host and does not run containers`,
        "error",
      );
      return "failure";
    default: {
      const unreachable: never = runs;
      return unreachable;
    }
  }
}

function loadAction(
  path: string,
  shown: string,
): { template: ActionTemplate; root: TemplateToken } | { problems: string[] } {
  const context = new TemplateContext(
    new TemplateValidationErrors(),
    runnerActionSchema(),
    new NoOperationTraceWriter(),
  );
  const parsed = parseAction({ name: shown, content: readYamlText(path) }, context);
  const problems = actionProblems(parsed.context.errors.getErrors(), shown);
  if (problems.length > 0 || !parsed.value)
    return { problems: problems.length > 0 ? problems : [`${shown}: empty action`] };
  // The only errors left are the ignored name/description ones, which would stop the conversion.
  const template = convertActionTemplate(parsed.context, parsed.value, {
    errorPolicy: ErrorPolicy.TryConversion,
  });
  const more = actionProblems(parsed.context.errors.getErrors(), shown);
  if (more.length > 0) return { problems: more };
  return { template, root: parsed.value };
}

let runnerSchema: TemplateSchema | undefined;

/**
 * The parser's action schema with `branding` accepting anything: its lists of icons and colours are
 * the Marketplace's (and miss some, such as `black`); GitHub's runner does not look at branding.
 */
function runnerActionSchema(): TemplateSchema {
  if (runnerSchema) return runnerSchema;
  const strict = getActionSchema();
  const definitions = { ...strict.definitions, branding: strict.getDefinition("any") };
  runnerSchema = Object.assign(
    Object.create(Object.getPrototypeOf(strict) as object) as TemplateSchema,
    strict,
    {
      definitions,
    },
  );
  return runnerSchema;
}

/**
 * The parser checks action.yml against the Marketplace's strict schema, which requires `name` and
 * `description`; GitHub's runner needs only `runs`, so those two are not problems here.
 */
function actionProblems(errors: readonly { message: string }[], shown: string): string[] {
  return errors
    .filter((error) => !/Required property is missing: (name|description)$/.test(error.message))
    .map((error) => formatParserError(error.message, shown));
}

interface CompositeRun {
  template: ActionTemplate;
  root: TemplateToken;
  actionDir: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  depth: number;
}

async function runComposite(host: LocalActionHost, run: CompositeRun): Promise<Conclusion> {
  if (run.depth >= MAX_DEPTH) {
    host.log(`Error: composite actions nest deeper than ${MAX_DEPTH} levels at ${host.uses}`, "error");
    return "failure";
  }
  const runs = run.template.runs as {
    steps: {
      id: string;
      if?: { expression: string };
      "continue-on-error"?: unknown;
      env?: TemplateToken;
      name?: TemplateToken;
    }[];
  };
  const rawSteps = findPath(run.root, ["runs", "steps"]) as
    (TemplateToken & { get(i: number): TemplateToken }) | undefined;
  const stepsContext: Record<
    string,
    { outputs: Record<string, string>; outcome: Conclusion; conclusion: Conclusion }
  > = {};
  const conclusions: Conclusion[] = [];
  for (const [index, step] of runs.steps.entries()) {
    const raw = rawSteps?.get(index) as MappingToken | undefined;
    const contexts: Contexts = {
      ...host.contexts,
      inputs: run.inputs,
      steps: stepsContext,
      env: run.env,
      github: { ...(host.contexts.github as Record<string, unknown>), action_path: run.actionDir },
    };
    const status = statusFunctions({ previous: conclusions, cancelled: host.signal.aborted, scope: "step" });
    if (!evaluateCondition(step.if?.expression ?? "success()", contexts, { status })) {
      stepsContext[step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      continue;
    }
    // As on a workflow's step: null is empty, an object its JSON (`stringMap`).
    const env = { ...run.env, ...stringMap(host.evaluate(step.env, contexts)) };
    const stepContexts = { ...contexts, env };
    const outputs = Object.create(null) as Record<string, string>;
    let outcome: Conclusion;
    const uses = raw ? (find(raw, "uses") as { value?: string } | undefined)?.value : undefined;
    if (uses !== undefined) {
      const withValues = (host.evaluate(raw ? find(raw, "with") : undefined, stepContexts) ?? {}) as Record<
        string,
        unknown
      >;
      const nested = {
        ...host,
        uses,
        contexts: stepContexts,
        withValues,
        setOutput: (k: string, v: string) => (outputs[k] = v),
      };
      const use = parseActionUse(uses);
      if ("error" in use) {
        host.log(`Error: ${host.uses}: uses ${use.error}`, "error");
        outcome = "failure";
      } else if (use.kind === "local") {
        // `./x` in an action's steps is relative to the workspace, as on GitHub.
        const { actionDir: _ignored, ...inWorkspace } = nested;
        outcome = await runLocalAction(inWorkspace, run.depth + 1);
      } else if (use.kind === "docker") {
        host.log(
          `Error: ${host.uses} uses ${uses}: Docker actions are not run; Slipway runs steps on the host`,
          "error",
        );
        outcome = "failure";
      } else if (host.findAction(uses)) {
        outcome = await host.runBuiltin(uses, withValues, outputs);
      } else {
        try {
          const dir = await host.resolveRemote(uses);
          outcome = await runLocalAction({ ...nested, actionDir: dir }, run.depth + 1);
        } catch (error) {
          host.log(`Error: ${(error as Error).message}`, "error");
          outcome = "failure";
        }
      }
    } else {
      const shell = raw ? toExpressionString(host.evaluate(find(raw, "shell"), stepContexts)) : "";
      if (shell === "") {
        host.log(
          `Error: ${host.uses}: a run step of a composite action needs 'shell:' (GitHub requires it too)`,
          "error",
        );
        return "failure";
      }
      const script = toExpressionString(host.evaluate(raw ? find(raw, "run") : undefined, stepContexts));
      const workingDirectory = raw
        ? toExpressionString(host.evaluate(find(raw, "working-directory"), stepContexts))
        : "";
      outcome = await host.runProcess(
        { script, shell },
        {
          env,
          outputs,
          state: new Map(),
          ...(workingDirectory ? { cwd: resolve(host.workspace, workingDirectory) } : {}),
        },
      );
    }
    const continueOnError =
      step["continue-on-error"] === true ||
      host.evaluate(step["continue-on-error"] as TemplateToken | undefined, stepContexts) === true;
    const conclusion = stepConclusion(outcome, continueOnError);
    conclusions.push(conclusion);
    stepsContext[step.id] = { outputs, outcome, conclusion };
  }
  const finalContexts: Contexts = { ...host.contexts, inputs: run.inputs, steps: stepsContext, env: run.env };
  for (const output of run.template.outputs ?? []) {
    host.setOutput(output.id, toExpressionString(host.evaluate(output.value, finalContexts)));
  }
  if (conclusions.includes("failure")) return "failure";
  if (conclusions.includes("cancelled") || host.signal.aborted) return "cancelled";
  return "success";
}

function find(mapping: MappingToken, key: string): TemplateToken | undefined {
  for (let i = 0; i < mapping.count; i++) {
    const pair = mapping.get(i);
    if ((pair.key as { value?: unknown }).value === key) return pair.value;
  }
  return undefined;
}

function findPath(token: TemplateToken, path: string[]): TemplateToken | undefined {
  let current: TemplateToken | undefined = token;
  for (const key of path) current = current ? find(current as MappingToken, key) : undefined;
  return current;
}

/** An input default of `${{ github.token }}` (or `secrets.GITHUB_TOKEN`), the usual way actions take a token. */
function defaultsToToken(token: TemplateToken | undefined): boolean {
  const expression = (token as { expression?: unknown } | undefined)?.expression;
  return typeof expression === "string" && /github\.token|secrets\.github_token/i.test(expression);
}
