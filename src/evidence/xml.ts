import { XMLParser, XMLValidator } from "fast-xml-parser";
import { malformed } from "./report-error.js";

/** An element as fast-xml-parser gives it: attributes prefixed with "@", children by name. */
export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  // Elements that repeat are arrays even when there is one, so readers need one code path.
  isArray: (name) => ["testsuite", "testcase", "package", "class", "failure", "error"].includes(name),
  processEntities: false,
});

/** Parses an XML report, refusing a malformed one with the validator's line and column. */
export function parseXml(file: string, text: string, what: string): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw malformed(
      file,
      valid.err.line,
      valid.err.col,
      `not well-formed XML (${what} expected): ${valid.err.msg}`,
    );
  return parser.parse(text) as XmlNode;
}

export const childrenOf = (node: unknown, name: string): XmlNode[] => {
  if (node === null || typeof node !== "object") return [];
  const value = (node as XmlNode)[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) =>
    typeof v === "object" && v !== null ? (v as XmlNode) : {},
  );
};

export const attr = (node: XmlNode, name: string): string | undefined => {
  const v = node[`@${name}`];
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
};

/** The root element's name (the first key that is not the XML declaration or a comment). */
export const rootOf = (doc: XmlNode): string | undefined =>
  Object.keys(doc).find((k) => !k.startsWith("?") && !k.startsWith("#"));
