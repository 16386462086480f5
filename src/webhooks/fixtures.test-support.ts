/** Payloads shaped like GitHub's (trimmed to the fields Slipway reads plus some it ignores). */
export const repository = { id: 1, full_name: "acme/shop", default_branch: "main", private: true };

export const pushToMain = {
  ref: "refs/heads/main",
  before: "1111111111111111111111111111111111111111",
  after: "2222222222222222222222222222222222222222",
  created: false,
  deleted: false,
  forced: false,
  repository,
  pusher: { name: "alice", email: "alice@example.com" },
  sender: { login: "alice" },
  head_commit: { id: "2222222222222222222222222222222222222222", message: "fix checkout" },
  commits: [
    { id: "a", added: ["services/cart/new.ts"], removed: [], modified: ["services/api/main.ts"] },
    { id: "b", added: [], removed: ["docs/old.md"], modified: ["services/api/main.ts"] },
  ],
};

export const pushTag = {
  ...pushToMain,
  ref: "refs/tags/v1.4.0",
  before: "0000000000000000000000000000000000000000",
  created: true,
  commits: [],
};

export const pullRequestOpened = {
  action: "opened",
  number: 42,
  repository,
  sender: { login: "bob" },
  pull_request: {
    number: 42,
    title: "Add wishlist",
    draft: false,
    merged: false,
    head: { ref: "feature/wishlist", sha: "3333333333333333333333333333333333333333" },
    base: { ref: "main", sha: "1111111111111111111111111111111111111111" },
    user: { login: "bob" },
  },
};
