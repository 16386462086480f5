import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow,
  type WorkflowTemplate,
} from "@actions/workflow-parser";
import type { Job, ReusableWorkflowJob, Step } from "@actions/workflow-parser/model/workflow-template";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { SlipwayError } from "../core/errors.js";
import { parseActionUse, type RemoteUse } from "../core/workflow/action-ref.js";
import { readYamlText } from "./yaml-text.js";

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
  /**
   * Why the host cannot run this job (`container:`, `services:`, a `uses:` it cannot read), with
   * its file:line:col; the job fails with it when it is reached, so a skipped job costs nothing.
   */
  refused?: string;
  /** Set for `jobs.<id>.uses: ./.github/workflows/x.yml`: the call and the called workflow. */
  reusable?: { call: ReusableWorkflowJob; callee: LoadedWorkflow };
  /**
   * Set for `jobs.<id>.uses: owner/repo/.github/workflows/x.yml@ref`: fetched and loaded when the
   * job is reached (remote-reusable.ts); `depth` is the calling workflow's nesting.
   */
  remoteCall?: { call: ReusableWorkflowJob; use: RemoteUse; depth: number };
}

/** A job's `name:` when it holds no expression (it is evaluated when the job runs), else its id. */
export function staticJobName(job: LoadedJob): string {
  const token = job.job.name as { value?: unknown; isExpression?: boolean } | undefined;
  return token && !token.isExpression && typeof token.value === "string" ? token.value : job.id;
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
  /** `on.workflow_call.outputs` of a reusable workflow (name → value expression). */
  callOutputs?: TemplateToken;
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
  /**
   * What names the file in messages before its path: a reusable workflow of another repository is
   * `owner/repo/.github/workflows/x.yml@ref` there, as its caller wrote it.
   */
  label?: (path: string) => string;
}

/** Where another repository's reusable workflows live (GitHub accepts no other folder). */
const REMOTE_WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;

/**
 * Parses one workflow with GitHub's parser. Every problem is reported at once, each as
 * `file:line:col: message`; throws SLIPWAY_INVALID_WORKFLOW (or SLIPWAY_UNSUPPORTED for nesting
 * deeper than GitHub allows). What the host cannot run (Docker, an action or another repository's
 * workflow that cannot be downloaded) is not decided here but when the job or step is reached.
 */
/** GitHub's limit on nested reusable workflows. */
export const MAX_CALL_DEPTH = 4;

export async function loadWorkflow(path: string, options: LoadOptions, depth = 0): Promise<LoadedWorkflow> {
  const relativePath = relative(options.repoRoot, resolve(path)) || path;
  const file = options.label ? options.label(relativePath) : relativePath;
  let content: string;
  try {
    content = readYamlText(path);
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
      const ref = workflowJob.ref.value;
      if (!ref.startsWith("./")) {
        const use = parseActionUse(ref);
        const remote =
          "kind" in use && use.kind === "remote" && REMOTE_WORKFLOW.test(use.path) ? use : undefined;
        jobs.push({
          id,
          job: workflowJob as unknown as Job,
          raw,
          needs: (workflowJob.needs ?? []).map((need) => need.value),
          steps: [],
          ...(remote
            ? { remoteCall: { call: workflowJob, use: remote, depth } }
            : {
                refused: `${at(file, workflowJob.ref)}job '${id}' calls ${ref}: expected ./.github/workflows/x.yml or owner/repo/.github/workflows/x.yml@ref`,
              }),
        });
        continue;
      }
      if (depth + 1 > MAX_CALL_DEPTH) {
        unsupported.push(
          `${at(file, workflowJob.ref)}job '${id}': reusable workflows nest deeper than ${MAX_CALL_DEPTH} levels`,
        );
        continue;
      }
      const callee = await loadWorkflow(resolve(options.repoRoot, ref), options, depth + 1);
      if (!("workflow_call" in callee.on)) {
        unsupported.push(
          `${at(file, workflowJob.ref)}job '${id}' calls ${ref}, which is not triggered by workflow_call`,
        );
        continue;
      }
      jobs.push({
        id,
        job: workflowJob as unknown as Job,
        raw,
        needs: (workflowJob.needs ?? []).map((need) => need.value),
        steps: [],
        reusable: { call: workflowJob, callee },
      });
      continue;
    }
    const refusals = (["container", "services"] as const).flatMap((key) => {
      const token = raw ? find(raw, key) : undefined;
      return token
        ? [`${at(file, token)}job '${id}': '${key}' needs Docker; Slipway runs jobs on the host`]
        : [];
    });
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
      if ("uses" in step) loaded.uses = step.uses.value;
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
      ...(refusals.length > 0 ? { refused: refusals.join("; ") } : {}),
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
    on: withRawInputs(plainEvents(template.events) as Record<string, unknown>, root),
    jobs,
    env: find(root, "env"),
    defaults: find(root, "defaults"),
    runName: find(root, "run-name"),
    callOutputs: findPath(root, ["on", "workflow_call", "outputs"]),
  };
}

function find(mapping: MappingToken, key: string): TemplateToken | undefined {
  for (let i = 0; i < mapping.count; i++) {
    const pair = mapping.get(i);
    if ((pair.key as { value?: unknown }).value === key) return pair.value;
  }
  return undefined;
}

/**
 * Input declarations read from the token tree: the converter (0.3.61) drops `type: number` inputs
 * and their defaults, which GitHub accepts for workflow_dispatch and workflow_call.
 */
function withRawInputs(on: Record<string, unknown>, root: MappingToken): Record<string, unknown> {
  for (const event of ["workflow_dispatch", "workflow_call"]) {
    const raw = findPath(root, ["on", event, "inputs"]);
    if (!raw || typeof on[event] !== "object" || on[event] === null) continue;
    (on[event] as Record<string, unknown>).inputs = literalValue(raw);
  }
  return on;
}

function literalValue(token: TemplateToken): unknown {
  const node = token as unknown as {
    value?: unknown;
    expression?: string;
    count?: number;
    get(i: number): unknown;
  };
  switch (token.templateTokenType) {
    case 1:
      return Array.from({ length: node.count ?? 0 }, (_, i) => literalValue(node.get(i) as TemplateToken));
    case 2: {
      const result = Object.create(null) as Record<string, unknown>;
      for (let i = 0; i < (node.count ?? 0); i++) {
        const pair = node.get(i) as { key: { value?: unknown }; value: TemplateToken };
        result[String(pair.key.value)] = literalValue(pair.value);
      }
      return result;
    }
    case 3:
      return `\${{ ${node.expression ?? ""} }}`;
    case 7:
      return null;
    default:
      return node.value;
  }
}

/** The converted `on:` as plain values (workflow_call input defaults arrive as literal tokens). */
function plainEvents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainEvents);
  if (value === null || typeof value !== "object") return value;
  if ("templateTokenType" in value) {
    const token = value as { value?: unknown; expression?: string };
    return token.expression !== undefined ? `\${{ ${token.expression} }}` : (token.value ?? null);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plainEvents(inner)]));
}

function findPath(token: TemplateToken, path: string[]): TemplateToken | undefined {
  let current: TemplateToken | undefined = token;
  for (const key of path) {
    current = current && current.templateTokenType === 2 ? find(current as MappingToken, key) : undefined;
  }
  return current;
}

/** `file:line:col: ` of a token, for messages (`file: ` when the token has no position). */
export function at(file: string, token: TemplateToken | undefined): string {
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
