import type { Migration } from "./index.js";

/**
 * `slipway release`: a release record keeps the tag it was made for, its notes (Markdown), and for
 * a final version promoted from a prerelease, that prerelease's version (its build is reused).
 * NULL on releases built by `slipway deploy` alone.
 */
export const migration013: Migration = {
  version: 13,
  name: "release-notes",
  sql: `
ALTER TABLE releases ADD COLUMN tag TEXT;
ALTER TABLE releases ADD COLUMN notes TEXT;
ALTER TABLE releases ADD COLUMN promoted_from TEXT;
`,
};
