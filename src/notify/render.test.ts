import { describe, expect, it } from "vitest";
import { slackBody } from "./channels/slack.js";
import { webhookBody } from "./channels/webhook.js";
import { NOTIFICATION_TYPES, type NotificationEvent } from "../core/notify/events.js";
import { render, renderText } from "./render.js";

const at = "2026-11-25T12:00:00.000Z";
const base = { rolloutId: "r1", service: "api", environment: "production", version: "1.4.0", at };
const EXAMPLES: Record<(typeof NOTIFICATION_TYPES)[number], NotificationEvent> = {
  "rollout.started": {
    ...base,
    type: "rollout.started",
    strategy: "canary",
    fromVersion: "1.3.2",
    actor: "alice",
  },
  "rollout.promoted": { ...base, type: "rollout.promoted" },
  "rollout.rolled_back": {
    ...base,
    type: "rollout.rolled_back",
    toVersion: "1.3.2",
    reason: "error rate 4.1% > 1% for 2m",
    automatic: true,
  },
  "rollout.awaiting_approval": {
    ...base,
    type: "rollout.awaiting_approval",
    requestedBy: "alice",
    expiresAt: "2026-11-26T12:00:00.000Z",
  },
  "service.down": {
    ...base,
    type: "service.down",
    reason:
      "the supervisor gave up on 2/2 instances of api/production@1.4.0 and none is ready (12 restarts, last: exited with code 1); automatic rollback is off for this environment",
  },
  "service.recovered": {
    ...base,
    type: "service.recovered",
    reason: "api/production@1.3.2 serves again (2/2 instances ready)",
  },
  "run.failed": {
    type: "run.failed",
    runId: "42",
    workflow: "CI",
    ref: "refs/heads/main",
    sha: "0123456789abcdef0123",
    failedJobs: ["test", "lint"],
    at,
    url: "https://slipway.example/runs/42",
  },
};

describe("render", () => {
  it.each(NOTIFICATION_TYPES)("has words for %s", (type) => {
    const rendered = render(EXAMPLES[type]);
    expect(rendered.title.length).toBeGreaterThan(10);
    expect(rendered.lines.length).toBeGreaterThan(0);
  });

  it("says what happened, where and why", () => {
    expect(renderText(EXAMPLES["rollout.rolled_back"])).toBe(
      [
        "api 1.4.0 was rolled back in production",
        "Reason: error rate 4.1% > 1% for 2m",
        "Now serving: 1.3.2",
        "Rolled back automatically",
      ].join("\n"),
    );
    expect(renderText(EXAMPLES["service.down"])).toBe(
      [
        "api is down in production (1.4.0)",
        "Reason: the supervisor gave up on 2/2 instances of api/production@1.4.0 and none is ready (12 restarts, last: exited with code 1); automatic rollback is off for this environment",
      ].join("\n"),
    );
    expect(renderText(EXAMPLES["run.failed"])).toBe(
      [
        "Workflow CI failed on refs/heads/main",
        "Failed jobs: test, lint",
        "Commit: 0123456789ab",
        "https://slipway.example/runs/42",
      ].join("\n"),
    );
  });
});

describe("Slack incoming-webhook format", () => {
  it("has fallback text, a mrkdwn section, a button when there is a link, and a context line", () => {
    expect(slackBody({ id: "n1", event: EXAMPLES["run.failed"] })).toEqual({
      text: "Workflow CI failed on refs/heads/main",
      blocks: [
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: "*Workflow CI failed on refs/heads/main*\nFailed jobs: test, lint\nCommit: 0123456789ab",
          },
        },
        {
          type: "actions",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "Open in Slipway" },
              url: "https://slipway.example/runs/42",
            },
          ],
        },
        { type: "context", elements: [{ type: "mrkdwn", text: `run.failed · ${at}` }] },
      ],
    });
  });

  it("escapes Slack control characters in user-supplied text", () => {
    const event = {
      ...EXAMPLES["rollout.rolled_back"],
      reason: "p99 > 500ms & <!channel>",
    } as NotificationEvent;
    const section = (slackBody({ id: "n", event }).blocks as { text?: { text: string } }[])[0]!;
    expect(section.text!.text).toContain("Reason: p99 &gt; 500ms &amp; &lt;!channel&gt;");
  });
});

describe("generic JSON webhook format", () => {
  it("carries the id, type, text and the event as data", () => {
    const body = webhookBody({ id: "n1", event: EXAMPLES["rollout.promoted"] });
    expect(body).toEqual({
      id: "n1",
      type: "rollout.promoted",
      text: "api 1.4.0 is live in production\nPromoted automatically after analysis passed",
      event: EXAMPLES["rollout.promoted"],
    });
  });
});
