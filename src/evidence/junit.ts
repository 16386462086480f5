import type { TestsSummary } from "../core/evidence/types.js";
import { malformed } from "./report-error.js";
import { childrenOf, rootOf, type XmlNode } from "./xml.js";

/**
 * JUnit XML (vitest, node --test, Jest, pytest, Maven Surefire…): counts every <testcase> under
 * <testsuites>/<testsuite> at any depth; a case with <failure> or <error> failed, one with
 * <skipped> was skipped.
 */
export function readJunit(file: string, doc: XmlNode): TestsSummary {
  const root = rootOf(doc);
  if (root !== "testsuites" && root !== "testsuite")
    throw malformed(
      file,
      1,
      1,
      `not a JUnit report: expected a <testsuites> or <testsuite> root, found <${root ?? "nothing"}>`,
    );
  const summary: TestsSummary = { kind: "tests", tests: 0, passed: 0, failed: 0, skipped: 0 };
  const walk = (node: XmlNode) => {
    for (const c of childrenOf(node, "testcase")) {
      summary.tests++;
      if (childrenOf(c, "failure").length > 0 || childrenOf(c, "error").length > 0) summary.failed++;
      else if (c.skipped !== undefined) summary.skipped++;
      else summary.passed++;
    }
    for (const s of childrenOf(node, "testsuite")) walk(s);
  };
  const top = doc[root];
  walk(
    root === "testsuite"
      ? { testsuite: top }
      : typeof top === "object" && top !== null
        ? (top as XmlNode)
        : {},
  );
  return summary;
}
