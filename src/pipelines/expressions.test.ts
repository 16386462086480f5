import { describe, expect, it } from "vitest";
import { evaluateCondition, evaluateExpression } from "./expressions.js";

describe("expressions see the contexts they name", () => {
  const contexts = {
    github: { sha: "abc", event: { head_commit: { message: "hi" } } },
    env: { NAME: "value" },
    needs: { build: { result: "success", outputs: { version: "1.2.3" } } },
  };

  it("reads contexts whatever the case of their names, as GitHub does", () => {
    expect(evaluateExpression("GitHub.sha", contexts)).toBe("abc");
    expect(evaluateExpression("format('{0}-{1}', env.NAME, NEEDS.build.outputs.version)", contexts)).toBe(
      "value-1.2.3",
    );
    expect(evaluateExpression("toJSON(github.event.head_commit)", contexts)).toBe('{\n  "message": "hi"\n}');
  });

  it("evaluates conditions that name no context, or a context's name as a property", () => {
    expect(evaluateExpression("github.event.env", contexts)).toBeNull();
    expect(evaluateCondition("success()", contexts, { status: statusAll(true) })).toBe(true);
    expect(evaluateCondition("needs.build.result == 'success' && env.NAME", contexts, {})).toBe(true);
    expect(evaluateCondition("github.sha == 'other'", contexts, {})).toBe(false);
  });
});

function statusAll(value: boolean) {
  return { success: () => value, failure: () => !value, cancelled: () => false, always: () => true };
}
