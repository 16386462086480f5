import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, FIXTURE_APP, getJson, killGroup } from "./helpers.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.pid) killGroup(child.pid);
});

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Start the fixture on a kernel-chosen port (PORT=0) and read the port from its first line. */
async function startApp(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [FIXTURE_APP], {
    env: { PATH: process.env.PATH, PORT: "0", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await eventually("the app to listen", 10_000, () => {
    const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
    return match ? Number(match[1]) : undefined;
  });
  return { child, port, output: () => output, exited };
}

describe("fixture app", () => {
  it("echoes VERSION and pid, and fails exactly every 5th request with FAIL_RATE=0.2", async () => {
    const app = await startApp({ VERSION: "v7", FAIL_RATE: "0.2" });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const response = await fetch(`http://127.0.0.1:${app.port}/`);
      expect(response.headers.get("x-app-version")).toBe("v7");
      statuses.push(response.status);
      const body = (await response.json()) as { version: string; pid?: number };
      expect(body.version).toBe("v7");
      if (response.status === 200) expect(body.pid).toBe(app.child.pid);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 500, 200, 200, 200, 200, 500]);
    expect((await getJson(app.port, "/nope")).status).toBe(404);
  });

  it("health: READY_AFTER_MS then 200 on a custom HEALTH_PATH; NEVER_READY stays 503", async () => {
    const late = await startApp({ READY_AFTER_MS: "4000", HEALTH_PATH: "/up" });
    expect((await getJson(late.port, "/up")).status).toBe(503);
    await eventually("ready after 4 s", 10_000, async () => (await getJson(late.port, "/up")).status === 200);
    const never = await startApp({ NEVER_READY: "1" });
    expect((await getJson(never.port, "/healthz")).status).toBe(503);
  });

  it("crashes on boot with exit 1 and a message, or after CRASH_AFTER_MS", async () => {
    const child = spawn(process.execPath, [FIXTURE_APP], { env: { PORT: "0", CRASH_ON_BOOT: "1" } });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(1);
    expect(stderr).toContain("CRASH_ON_BOOT set, refusing to start");

    const crashing = await startApp({ CRASH_AFTER_MS: "300" });
    expect(await crashing.exited).toBe(1);
    expect(crashing.output()).toContain("CRASH_AFTER_MS=300 elapsed");
  });

  it("answers /slow after the given time and adds LATENCY_MS to GET /", async () => {
    const app = await startApp({ LATENCY_MS: "50" });
    expect((await getJson(app.port, "/slow?ms=120")).body).toMatchObject({ slept: 120 });
    expect((await getJson(app.port, "/")).status).toBe(200);
  });

  it("echoes WebSocket messages on /ws after a hello naming the version", async () => {
    const app = await startApp({ VERSION: "v9" });
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/ws`);
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on("open", () => ws.send("ping"));
      ws.on("message", (data: Buffer) => {
        messages.push(data.toString());
        if (messages.length === 2) resolve();
      });
      ws.on("error", reject);
    });
    expect(messages).toEqual(["hello v9", "ping"]);
    // SIGTERM closes WebSockets at once and exits 0
    const closed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
    app.child.kill("SIGTERM");
    expect(await closed).toBe(1001);
    expect(await app.exited).toBe(0);
  });

  it("on SIGTERM finishes an in-flight request, refuses new connections, exits 0", async () => {
    const app = await startApp({});
    const inFlight = getJson(app.port, "/slow?ms=500");
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.child.kill("SIGTERM");
    expect((await inFlight).status).toBe(200);
    expect(await app.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${app.port}/`)).rejects.toThrow();
  });

  it("refuses to start without PORT (exit 2)", async () => {
    const child = spawn(process.execPath, [FIXTURE_APP], { env: {} });
    children.push(child);
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(2);
  });
});
