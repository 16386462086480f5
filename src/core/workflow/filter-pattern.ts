/**
 * GitHub's filter pattern syntax for `branches`, `tags` and `paths` (docs: "Filter pattern cheat
 * sheet"): `*` any run of characters except `/`, `**` any run of characters, `?` zero or one of the
 * preceding character, `+` one or more of the preceding character, `[...]` a character class, `!`
 * at the start negates. picomatch gives `?` and `+` other meanings, hence this small translator.
 */
export function filterPatternToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    switch (char) {
      case "*":
        if (pattern.charAt(i + 1) === "*") {
          source += ".*";
          i++;
        } else {
          source += "[^/]*";
        }
        break;
      case "?":
      case "+":
        // Quantifies what precedes; a leading one is a literal.
        source += source === "" ? `\\${char}` : char;
        break;
      case "[": {
        const end = pattern.indexOf("]", i + 1);
        if (end === -1) {
          source += "\\[";
        } else {
          source += `[${pattern.slice(i + 1, end).replace(/\\/g, "\\\\")}]`;
          i = end;
        }
        break;
      }
      case "\\":
        source += `\\${pattern.charAt(i + 1)}`;
        i++;
        break;
      default:
        source += char.replace(/[.^$|(){}]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Applies an ordered list of patterns where `!pattern` excludes again what an earlier pattern
 * included: the last pattern that matches decides, as GitHub documents.
 */
export function matchesPatternList(value: string, patterns: readonly string[]): boolean {
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const regexp = filterPatternToRegExp(negated ? pattern.slice(1) : pattern);
    if (regexp.test(value)) included = !negated;
  }
  return included;
}
