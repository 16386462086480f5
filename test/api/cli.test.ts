import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUp, type RunningUp } from "../support/slipway-up.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/world.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-api-cli-"));
const tokenFile = join(dir, ".slipway", "admin-token");
let up: RunningUp | undefined;
let apiUrl = "";

/** Runs the CLI in the project directory (so it finds server.json and admin-token there). */
function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
    input: options.input ?? "",
    env: { ...process.env, NO_COLOR: "1", SLIPWAY_URL: "", SLIPWAY_TOKEN: "", ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("2s", "    approval: true\n")));
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), "{}");
  up = await startUp(dir);
  apiUrl = up.apiUrl;
}, 60_000);

afterAll(async () => {
  await up?.stop();
}, 30_000);

describe("CLI against `slipway up` with its admin token", { timeout: 150_000 }, () => {
  it("writes <data>/admin-token with mode 0600 and the CLI uses it", () => {
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, "utf8").trim()).toMatch(/^slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const status = cli(["status"]);
    expect(status.stderr).toBe("");
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`API ${apiUrl}`);
  });

  it("the API refuses requests without a token, and the CLI says where to get one", async () => {
    expect((await fetch(`${apiUrl}/api/status`)).status).toBe(401);
    const elsewhere = spawnSync(process.execPath, [BIN, "status"], {
      cwd: tmpdir(),
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: "1", SLIPWAY_URL: apiUrl, SLIPWAY_TOKEN: "" },
    });
    expect(elsewhere.status).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/sign in or send an API token.*SLIPWAY_TOKEN/);
  });

  it("token create shows the secret once; list never shows it; revoke makes it 401", async () => {
    const created = cli(["token", "create", "ci", "--role", "deployer", "--env-role", "production=viewer"]);
    expect(created.status).toBe(0);
    const token = /(slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    expect(created.stdout).toMatch(/shown this once/);
    const id = token!.slice(4, 16);
    const listed = cli(["token", "list"]);
    expect(listed.stdout).toContain(`slp_${id}…`);
    expect(listed.stdout).toContain("ci [production=viewer]");
    expect(listed.stdout).not.toContain(token);
    // SLIPWAY_TOKEN wins over the admin-token file: this one may not manage tokens.
    const asCi = cli(["token", "list"], { env: { SLIPWAY_TOKEN: token! } });
    expect(asCi.status).not.toBe(0);
    expect(asCi.stderr).toMatch(/read-tokens needs the admin role; ci is deployer/);
    expect(cli(["token", "revoke", `slp_${id}…`]).stdout).toMatch(/^revoked slp_/);
    const res = await fetch(`${apiUrl}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it("token create --scope flags:evaluate makes a client key: OFREP works, the rest of the API answers 403", async () => {
    expect(cli(["token", "create", "bad", "--scope", "flags:evaluate", "--role", "admin"]).status).toBe(2);
    expect(cli(["token", "create", "bad", "--scope", "flags:write"]).stderr).toMatch(
      /--scope must be one of flags:evaluate/,
    );
    const created = cli(["token", "create", "web-app", "--scope", "flags:evaluate"]);
    expect(created.status).toBe(0);
    expect(created.stdout).toContain("(client key, flags:evaluate)");
    const key = /(slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(cli(["token", "list"]).stdout).toMatch(/flags:evaluate web-app/);
    const ofrep = await fetch(`${apiUrl}/ofrep/v1/configuration`, { headers: { "x-api-key": key! } });
    expect(ofrep.status).toBe(200);
    const status = cli(["status"], { env: { SLIPWAY_TOKEN: key! } });
    expect(status.status).not.toBe(0);
    expect(status.stderr).toMatch(/client key \(scope flags:evaluate\): it can only evaluate flags/);
  });

  it("user add reads the password from stdin; list and remove", () => {
    const added = cli(["user", "add", "alice", "--role", "deployer", "--password-stdin"], {
      input: "correct horse battery\n",
    });
    expect(added.stderr).toBe("");
    expect(added.stdout).toBe("added alice (deployer)\n");
    const short = cli(["user", "add", "bob", "--role", "viewer", "--password-stdin"], { input: "short\n" });
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/at least 12/);
    expect(cli(["user", "list"]).stdout).toBe("alice                deployer\n");
    expect(cli(["user", "remove", "alice"]).stdout).toBe("removed alice\n");
    expect(cli(["user", "list"]).stdout).toBe("no users\n");
  });

  it("slipway approve: the requester cannot approve; another deployer can", () => {
    const secret = (out: string) => /(slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(out)![1]!;
    const requester = secret(cli(["token", "create", "requester", "--role", "deployer"]).stdout);
    const approver = secret(cli(["token", "create", "approver", "--role", "deployer"]).stdout);
    const deployed = cli(["deploy", "web", "--env", "production", "--version", "v1"], {
      env: { SLIPWAY_TOKEN: requester },
    });
    expect(deployed.stderr).toBe("");
    expect(deployed.status).toBe(0);
    expect(deployed.stdout).toMatch(/waiting for approval/);
    const self = cli(["approve", "web"], { env: { SLIPWAY_TOKEN: requester } });
    expect(self.status).not.toBe(0);
    expect(self.stderr).toMatch(/someone else must approve|own/);
    const ok = cli(["approve", "web", "production", "--comment", "lgtm"], {
      env: { SLIPWAY_TOKEN: approver },
    });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const none = cli(["approve", "web"]);
    expect(none.stderr).toMatch(/no rollout of web is waiting for approval/);
  });
});
