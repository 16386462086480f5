import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryDeadLetterStore } from "./dead-letters.js";
import { LiveNotificationSettings } from "./live-settings.js";
import { Notifier } from "./notifier.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const channel = (name: string, url: string) => `  - name: ${name}\n    kind: webhook\n    url: ${url}\n`;
const yaml = (...channels: string[]) =>
  `project: { name: shop }\nservices: { web: { start: x } }\nnotifications:\n  channels:\n${channels.join("")}`;

function live(text: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "slipway-live-notify-"));
  dirs.push(dir);
  writeFileSync(join(dir, "slipway.yaml"), text);
  const logged: string[] = [];
  const log = {
    info: (_: object, m: string) => logged.push(m),
    error: (_: object, m: string) => logged.push(m),
  };
  let built = 0;
  const settings = new LiveNotificationSettings({
    dir,
    env,
    log,
    make: ({ channels }) => {
      built++;
      return new Notifier({ channels, deadLetters: new MemoryDeadLetterStore() });
    },
  });
  const names = () => settings.current().channels.map((c) => c.name);
  return {
    dir,
    logged,
    names,
    built: () => built,
    write: (t: string) => writeFileSync(join(dir, "slipway.yaml"), t),
  };
}

describe("LiveNotificationSettings", () => {
  it("builds the notifier once per version of the file", () => {
    const l = live(yaml(channel("ops", "http://127.0.0.1:9/a")));
    expect(l.names()).toEqual(["ops"]);
    expect(l.names()).toEqual(["ops"]);
    expect(l.built()).toBe(1);
    l.write(yaml(channel("ops", "http://127.0.0.1:9/a"), channel("mail", "http://127.0.0.1:9/b")));
    expect(l.names()).toEqual(["ops", "mail"]);
    expect(l.built()).toBe(2);
    expect(l.logged).toContain("notification channels reloaded");
  });

  it("starts with no channels when the file's notifications do not load, and takes them once fixed", () => {
    const l = live(yaml(channel("ops", "http://127.0.0.1:9/${HOOK_PATH}")));
    expect(l.names()).toEqual([]);
    expect(l.logged).toEqual(["notifications disabled: invalid configuration"]);
    l.write(yaml(channel("ops", "http://127.0.0.1:9/fixed")));
    expect(l.names()).toEqual(["ops"]);
  });

  it("keeps the working channels when a change does not load, and says so once", () => {
    const l = live(yaml(channel("ops", "http://127.0.0.1:9/a")));
    expect(l.names()).toEqual(["ops"]);
    l.write(yaml(channel("ops", "http://127.0.0.1:9/a"), channel("ops", "http://127.0.0.1:9/twice")));
    expect(l.names()).toEqual(["ops"]);
    expect(l.names()).toEqual(["ops"]);
    expect(l.logged.filter((m) => m.includes("not reloaded"))).toHaveLength(1);
  });
});
