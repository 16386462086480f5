import { describe, expect, it } from "vitest";
import { notificationsSchema } from "../core/config/schema-notify.js";
import { describeChannels, notificationSettings } from "./from-config.js";

const raw = notificationsSchema.parse({
  channels: [
    { name: "deploys", kind: "slack", url: "${SLACK_URL}", events: ["rollout.rolled_back"] },
    {
      name: "sink",
      kind: "webhook",
      url: "https://hooks.example.com/in/${SINK_PATH}",
      headers: { Authorization: "Bearer ${SINK_TOKEN}" },
      signingSecret: "${SINK_SECRET}",
    },
    { name: "mail", kind: "email", to: ["oncall@example.com"] },
  ],
  retry: { maxAttempts: 3, baseDelay: "10ms", maxDelay: "1s" },
});
const env = {
  SLACK_URL: "https://hooks.slack.com/services/T/B/secret",
  SINK_PATH: "p4th",
  SINK_TOKEN: "tok3n",
  SINK_SECRET: "s1gn",
};

describe("notificationSettings", () => {
  it("resolves ${VAR} references and converts the retry policy", () => {
    const settings = notificationSettings(raw, env);
    expect(settings.retry).toEqual({ maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1000 });
    expect(settings.channels).toEqual([
      { kind: "slack", name: "deploys", url: env.SLACK_URL, events: ["rollout.rolled_back"] },
      {
        kind: "webhook",
        name: "sink",
        url: "https://hooks.example.com/in/p4th",
        headers: { Authorization: "Bearer tok3n" },
        signingSecret: "s1gn",
      },
      { kind: "email", name: "mail", to: ["oncall@example.com"] },
    ]);
  });

  it("names an unset variable, never a value", () => {
    expect(() => notificationSettings(raw, { ...env, SINK_TOKEN: undefined })).toThrow(
      "slipway.yaml notifications.channels[1].headers.Authorization: ${SINK_TOKEN} is not set in the server's environment",
    );
  });

  it("describes channels without their secrets", () => {
    const text = JSON.stringify(describeChannels(notificationSettings(raw, env).channels));
    for (const secret of Object.values(env)) expect(text).not.toContain(secret);
    expect(text).toContain("https://hooks.slack.com/***");
  });

  it("refuses two channels with one name", () => {
    const twice = notificationsSchema.safeParse({
      channels: [
        { name: "a", kind: "email", to: ["x@y.z"] },
        { name: "a", kind: "email", to: ["x@y.z"] },
      ],
    });
    expect(twice.success).toBe(false);
  });
});
