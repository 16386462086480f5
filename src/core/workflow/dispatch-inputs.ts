/** One input declared under `workflow_dispatch.inputs` or `workflow_call.inputs`. */
export interface InputDeclaration {
  type?: string;
  required?: boolean;
  default?: string | boolean | number;
  options?: string[];
}

export type InputValue = string | boolean | number;

export type ResolvedInputs =
  { ok: true; inputs: Record<string, InputValue> } | { ok: false; problems: string[] };

/**
 * Applies defaults and checks given values against the declarations: a missing required input,
 * an unknown input, a choice outside its options, a boolean or number that does not parse are
 * problems, reported all at once.
 */
export function resolveInputs(
  declared: Readonly<Record<string, InputDeclaration>>,
  given: Readonly<Record<string, string>>,
): ResolvedInputs {
  const problems: string[] = [];
  // Input names come from the workflow file: no name may reach (or replace) a prototype.
  const inputs: Record<string, InputValue> = Object.create(null) as Record<string, InputValue>;
  const declaredNames = new Map(Object.keys(declared).map((name) => [name.toLowerCase(), name]));
  for (const name of Object.keys(given)) {
    if (!declaredNames.has(name.toLowerCase())) {
      problems.push(
        `unknown input '${name}' (declared: ${[...declaredNames.values()].join(", ") || "none"})`,
      );
    }
  }
  for (const [name, declaration] of Object.entries(declared)) {
    const givenKey = Object.keys(given).find((key) => key.toLowerCase() === name.toLowerCase());
    const raw = givenKey === undefined ? undefined : given[givenKey];
    const type = declaration.type ?? "string";
    if (raw === undefined) {
      if (declaration.default !== undefined) {
        inputs[name] = coerceDefault(declaration.default, type);
      } else if (declaration.required) {
        problems.push(`input '${name}' is required (--input ${name}=VALUE)`);
      } else {
        inputs[name] = type === "boolean" ? false : "";
      }
      continue;
    }
    switch (type) {
      case "boolean":
        if (raw !== "true" && raw !== "false")
          problems.push(`input '${name}' must be true or false, got '${raw}'`);
        else inputs[name] = raw === "true";
        break;
      case "number": {
        const value = Number(raw);
        if (raw.trim() === "" || Number.isNaN(value))
          problems.push(`input '${name}' must be a number, got '${raw}'`);
        else inputs[name] = value;
        break;
      }
      case "choice":
        if (declaration.options && !declaration.options.includes(raw)) {
          problems.push(`input '${name}' must be one of ${declaration.options.join(", ")}, got '${raw}'`);
        } else inputs[name] = raw;
        break;
      default:
        inputs[name] = raw;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, inputs };
}

function coerceDefault(value: string | boolean | number, type: string): InputValue {
  if (type === "boolean" && typeof value === "string") return value === "true";
  if (type === "number" && typeof value === "string") return Number(value);
  return value;
}
