import { SlipwayError } from "../core/errors.js";
import { resolveInputs, type InputDeclaration } from "../core/workflow/dispatch-inputs.js";
import type { LoadedWorkflow } from "./load.js";

/**
 * The `inputs` context of a run: the payload's inputs and the given ones (`--input`), typed and
 * defaulted by the workflow's declaration. Only workflow_dispatch and workflow_call declare inputs.
 * Throws SLIPWAY_INVALID_ARGUMENT for a missing required input, before anything runs.
 */
export function workflowInputs(
  workflow: LoadedWorkflow,
  eventName: string,
  payload: Record<string, unknown>,
  options: Record<string, string> | undefined,
): Record<string, unknown> {
  const declared = inputDeclarations(workflow, eventName);
  const payloadInputs = (payload.inputs ?? {}) as Record<string, unknown>;
  const given = {
    ...Object.fromEntries(Object.entries(payloadInputs).map(([k, v]) => [k, String(v)])),
    ...options,
  };
  if (!declared) return Object.create(null) as Record<string, unknown>;
  const resolved = resolveInputs(declared, given);
  if (!resolved.ok) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `${workflow.file}: ${resolved.problems[0]}`, {
      problems: resolved.problems.slice(1),
    });
  }
  return resolved.inputs;
}

function inputDeclarations(
  workflow: LoadedWorkflow,
  eventName: string,
): Record<string, InputDeclaration> | undefined {
  if (eventName !== "workflow_dispatch" && eventName !== "workflow_call") return undefined;
  const config = workflow.on[eventName] as { inputs?: Record<string, InputDeclaration> } | undefined;
  return config?.inputs ?? {};
}
