import type { Migration } from "./index.js";

/**
 * Client keys (issue 15): an API token may carry a scope that limits it further than its role.
 * `flags:evaluate` can only evaluate flags (OFREP). NULL for ordinary tokens.
 */
export const migration009: Migration = {
  version: 9,
  name: "token-scope",
  sql: `
ALTER TABLE api_tokens ADD COLUMN scope TEXT;
`,
};
