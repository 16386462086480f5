import { z } from "zod";
import { projectConfigSchema } from "./schema.js";

/**
 * The JSON Schema of slipway.yaml for editors (yaml-language-server, VS Code), generated from the
 * zod schema so the two cannot disagree. Draft-07: the draft editors support best. `io: "input"`
 * describes what users write: fields with defaults are optional and show their default.
 */
export function projectJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(projectConfigSchema, { io: "input", target: "draft-7", unrepresentable: "any" }),
    $id: "https://slipway.dev/schema/slipway.schema.json",
  };
}
