import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow,
  type WorkflowTemplate,
} from "@actions/workflow-parser";
import type { Job, Step } from "@actions/workflow-parser/model/workflow-template";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { SlipwayError } from "../core/errors.js";
import type { BuiltinAction } from "./actions/contract.js";

/** A step with the keys the converter drops, read from the raw token tree. */
export interface LoadedStep {
  step: Step;
  raw: MappingToken | undefined;
  /** `uses:` value for action steps. */
  uses?: string;
  with?: TemplateToken;
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
  timeoutMinutes?: TemplateToken;
}

export interface LoadedJob {
  id: string;
  job: Job;
  raw: MappingToken | undefined;
  needs: string[];
  steps: LoadedStep[];
  defaults?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
}

/** A parsed, converted and checked workflow file. */
export interface LoadedWorkflow {
  /** Path relative to the repository root, as used in messages (`.github/workflows/ci.yml`). */
  file: string;
  name: string;
  template: WorkflowTemplate;
  /** `on:` with its filters as plain values. */
  on: Record<string, unknown>;
  jobs: LoadedJob[];
  env?: TemplateToken;
  defaults?: TemplateToken;
  runName?: TemplateToken;
}

export const WORKFLOWS_DIR = ".github/workflows";

/** The workflow files of a repository (`.github/workflows/*.yml|yaml`), sorted by name. */
export function discoverWorkflows(repoRoot: string): string[] {
  const dir = join(repoRoot, WORKFLOWS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export interface LoadOptions {
  repoRoot: string;
  findAction: (uses: string) => BuiltinAction | undefined;
}

/**
 * Parses one workflow with GitHub's parser and checks what the host runner cannot do. Every
 * problem is reported at once, each as `file:line:col: message`; throws SLIPWAY_INVALID_WORKFLOW
 * (or SLIPWAY_UNSUPPORTED when the file is valid GitHub Actions but uses what we do not run).
 */
export async function loadWorkflow(path: string, options: LoadOptions): Promise<LoadedWorkflow> {
  const file = relative(options.repoRoot, resolve(path)) || path;
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `cannot read workflow ${file}: ${(error as Error).message}`,
    );
  }
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const parseErrors = parsed.context.errors
    .getErrors()
    .map((error) => formatParserError(error.message, file));
  if (parseErrors.length > 0 || parsed.value === undefined) {
    throw invalid(file, parseErrors.length > 0 ? parseErrors : [`${file}:1:1: empty workflow`]);
  }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const convertErrors = (template.errors ?? []).map((error) => formatParserError(error.Message, file));
  if (convertErrors.length > 0) throw invalid(file, unique(convertErrors));

  const root = parsed.value as MappingToken;
  const rawJobs = find(root, "jobs") as MappingToken | undefined;
  const unsupported: string[] = [];
  const jobs: LoadedJob[] = [];
  for (const workflowJob of template.jobs) {
    const id = workflowJob.id.value;
    const raw = rawJobs ? (find(rawJobs, id) as MappingToken | undefined) : undefined;
    if (workflowJob.type !== "job") {
      unsupported.push(
        `${at(file, workflowJob.id)}job '${id}' calls a reusable workflow, which Slipway does not run yet`,
      );
      continue;
    }
    for (const key of ["container", "services"] as const) {
      const token = raw ? find(raw, key) : undefined;
      if (token)
        unsupported.push(
          `${at(file, token)}job '${id}': '${key}' needs Docker; Slipway runs jobs on the host`,
        );
    }
    const rawSteps = raw
      ? (find(raw, "steps") as (TemplateToken & { get(i: number): TemplateToken }) | undefined)
      : undefined;
    const steps: LoadedStep[] = workflowJob.steps.map((step, index) => {
      const rawStep = rawSteps?.get(index) as MappingToken | undefined;
      const loaded: LoadedStep = {
        step,
        raw: rawStep,
        with: rawStep ? find(rawStep, "with") : undefined,
        shell: rawStep ? find(rawStep, "shell") : undefined,
        workingDirectory: rawStep ? find(rawStep, "working-directory") : undefined,
        timeoutMinutes: rawStep ? find(rawStep, "timeout-minutes") : undefined,
      };
      if ("uses" in step) {
        const uses = step.uses.value;
        loaded.uses = uses;
        const problem = unsupportedAction(uses, options);
        if (problem) unsupported.push(`${at(file, step.uses)}job '${id}': ${problem}`);
      } else if (!("run" in step)) {
        unsupported.push(
          `${at(file, rawStep)}job '${id}': this kind of step (wait/parallel/cancel) is not supported`,
        );
      }
      return loaded;
    });
    jobs.push({
      id,
      job: workflowJob,
      raw,
      needs: (workflowJob.needs ?? []).map((need) => need.value),
      steps,
      defaults: raw ? find(raw, "defaults") : undefined,
      timeoutMinutes: raw ? find(raw, "timeout-minutes") : undefined,
      continueOnError: raw ? find(raw, "continue-on-error") : undefined,
    });
  }
  if (unsupported.length > 0) {
    throw new SlipwayError("SLIPWAY_UNSUPPORTED", `${file}: uses features Slipway cannot run on the host`, {
      problems: unsupported,
    });
  }
  const nameToken = find(root, "name");
  return {
    file,
    name: nameToken && "value" in nameToken ? String((nameToken as { value: unknown }).value) : file,
    template,
    on: JSON.parse(JSON.stringify(template.events)) as Record<string, unknown>,
    jobs,
    env: find(root, "env"),
    defaults: find(root, "defaults"),
    runName: find(root, "run-name"),
  };
}

function unsupportedAction(uses: string, options: LoadOptions): string | undefined {
  if (uses.startsWith("docker://")) return `'${uses}' is a Docker action; Slipway runs steps on the host`;
  // Local actions are read from the job's workspace when the step runs.
  if (uses.startsWith("./")) return undefined;
  if (options.findAction(uses)) return undefined;
  const name = uses.split("@")[0] ?? uses;
  return `action '${uses}' is not built into Slipway, and it does not download remote actions (built-ins: actions/checkout, actions/cache, actions/upload-artifact, actions/download-artifact, actions/setup-node, dorny/paths-filter); replace ${name} with a run: step`;
}

function find(mapping: MappingToken, key: string): TemplateToken | undefined {
  for (let i = 0; i < mapping.count; i++) {
    const pair = mapping.get(i);
    if ((pair.key as { value?: unknown }).value === key) return pair.value;
  }
  return undefined;
}

function at(file: string, token: TemplateToken | undefined): string {
  return token?.line !== undefined ? `${file}:${token.line}:${token.col ?? 1}: ` : `${file}: `;
}

/** "file (Line: 3, Col: 5): message" → "file:3:5: message" (editors and terminals link the latter). */
export function formatParserError(message: string, file: string): string {
  const match = /^(.*?) \(Line: (\d+), Col: (\d+)\): (.*)$/s.exec(message);
  if (match) return `${match[1]}:${match[2]}:${match[3]}: ${match[4]}`;
  return message.startsWith(file) ? message : `${file}: ${message}`;
}

function invalid(file: string, problems: string[]): SlipwayError {
  return new SlipwayError("SLIPWAY_INVALID_WORKFLOW", `${problems[0] ?? file}`, {
    problems: problems.slice(1),
  });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
