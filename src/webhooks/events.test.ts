import { describe, expect, it } from "vitest";
import { parseGitHubDelivery } from "./events.js";
import { pullRequestOpened, pushTag, pushToMain } from "./fixtures.test-support.js";

describe("parseGitHubDelivery", () => {
  it("reads a branch push with its changed files", () => {
    expect(parseGitHubDelivery("push", "d1", pushToMain)).toEqual({
      outcome: "event",
      event: {
        kind: "push",
        deliveryId: "d1",
        repository: "acme/shop",
        ref: "refs/heads/main",
        branch: "main",
        sha: "2222222222222222222222222222222222222222",
        before: "1111111111111111111111111111111111111111",
        actor: "alice",
        changedFiles: ["docs/old.md", "services/api/main.ts", "services/cart/new.ts"],
        payload: pushToMain,
      },
    });
  });

  it("reads a pushed tag as a tag event", () => {
    expect(parseGitHubDelivery("push", "d2", pushTag)).toMatchObject({
      outcome: "event",
      event: {
        kind: "tag",
        tag: "v1.4.0",
        ref: "refs/tags/v1.4.0",
        sha: pushTag.after,
        repository: "acme/shop",
      },
    });
  });

  it("reads a pull request", () => {
    expect(parseGitHubDelivery("pull_request", "d3", pullRequestOpened)).toMatchObject({
      outcome: "event",
      event: {
        kind: "pull_request",
        action: "opened",
        number: 42,
        title: "Add wishlist",
        headRef: "feature/wishlist",
        headSha: "3333333333333333333333333333333333333333",
        baseRef: "main",
        draft: false,
        merged: false,
        actor: "bob",
      },
    });
  });

  it.each([
    { event: "ping", payload: { zen: "Keep it logically awesome." }, reason: "ping" },
    { event: "issues", payload: {}, reason: "event issues triggers nothing" },
    { event: "push", payload: { ...pushToMain, deleted: true }, reason: "refs/heads/main was deleted" },
    {
      event: "push",
      payload: { ...pushToMain, ref: "refs/notes/x" },
      reason: "refs/notes/x is not a branch or tag",
    },
    {
      event: "pull_request",
      payload: { ...pullRequestOpened, action: "labeled" },
      reason: "pull_request action labeled triggers nothing",
    },
  ])("ignores $reason", ({ event, payload, reason }) => {
    expect(parseGitHubDelivery(event, "d", payload)).toEqual({ outcome: "ignored", reason });
  });

  it("names the field a malformed payload gets wrong", () => {
    expect(parseGitHubDelivery("push", "d", { ...pushToMain, ref: 7 })).toEqual({
      outcome: "invalid",
      reason: "push payload: ref: Invalid input: expected string, received number",
    });
    expect(
      parseGitHubDelivery("pull_request", "d", { ...pullRequestOpened, pull_request: { title: "x" } }),
    ).toMatchObject({
      outcome: "invalid",
      reason: expect.stringMatching(/^pull_request payload: pull_request\.head: /) as unknown,
    });
  });
});
