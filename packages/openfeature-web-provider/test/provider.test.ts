import { OpenFeature, ProviderEvents, type Client } from "@openfeature/web-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cliEval,
  eventually,
  startFlagsServe,
  startRecordingProxy,
  type RecordingProxy,
  type ServeProcess,
} from "../../../test/support/flags-serve.js";
import { shopFlagSet, tempFlagFile } from "../../../test/support/shop-flags.js";
import { SlipwayWebProvider } from "../src/index.js";

// The web provider through the real @openfeature/web-sdk (in Node, whose fetch is the browser's)
// against a real `slipway flags serve` process, with a recording proxy to see 200s and 304s.

const flags = tempFlagFile("slipway-of-web-");
const FILE = flags.file;
const save = flags.save;
const flagSet = (bannerText: string) => shopFlagSet(bannerText, { theme: "dark" });

const DOMAIN = "slipway-web-test";
let serve: ServeProcess;
let proxy: RecordingProxy;
let provider: SlipwayWebProvider;
let client: Client;
const changes: string[][] = [];
const stale: string[] = [];

beforeAll(async () => {
  save(flagSet("Spring sale"));
  serve = await startFlagsServe([FILE]);
  proxy = await startRecordingProxy(() => serve.url);
  provider = new SlipwayWebProvider({ url: proxy.url, token: "client-key-1", pollIntervalMs: 100 });
  provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
    changes.push((details as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? []);
  });
  provider.events.addHandler(ProviderEvents.Stale, (details) => stale.push(details?.message ?? ""));
  await OpenFeature.setContext(DOMAIN, {
    targetingKey: "u-1",
    email: "ann@shop.example",
    appVersion: "2.1.0",
  });
  await OpenFeature.setProviderAndWait(DOMAIN, provider);
  client = OpenFeature.getClient(DOMAIN);
});

afterAll(async () => {
  await OpenFeature.close();
  await proxy?.close();
  await serve?.stop();
  flags.remove();
});

type Case = { flag: string; type: "boolean" | "string" | "number" | "object"; defaultValue: unknown };

function details(c: Case) {
  switch (c.type) {
    case "boolean":
      return client.getBooleanDetails(c.flag, c.defaultValue as boolean);
    case "string":
      return client.getStringDetails(c.flag, c.defaultValue as string);
    case "number":
      return client.getNumberDetails(c.flag, c.defaultValue as number);
    case "object":
      return client.getObjectDetails(c.flag, c.defaultValue as Record<string, string>);
  }
}

/** Each case through the SDK and through `slipway flags eval` with the same context. */
async function compareWithCli(cases: Case[], context: Record<string, string>): Promise<Set<string>> {
  const answers = await Promise.all(
    cases.map((c) =>
      cliEval([FILE], c.flag, {
        type: c.type === "number" ? "float" : c.type,
        defaultValue: c.defaultValue,
        context,
      }),
    ),
  );
  const seen = new Set<string>();
  for (const [i, c] of cases.entries()) {
    const cli = answers[i]!;
    const sdk = details(c);
    const label = `${c.flag} ${JSON.stringify(context)}`;
    expect(sdk.value, label).toEqual(cli.value);
    expect(sdk.variant ?? null, label).toBe(cli.variant);
    expect(sdk.reason, label).toBe(cli.reason);
    expect(sdk.errorCode ?? null, label).toBe(cli.errorCode);
    if (cli.errorCode === null) expect(sdk.flagMetadata, label).toEqual(cli.flagMetadata);
    seen.add(sdk.errorCode ?? sdk.reason ?? "");
  }
  return seen;
}

describe("SlipwayWebProvider", () => {
  it("answers from one bulk evaluation as `slipway flags eval` does, and refetches on a context change", async () => {
    const cases: Case[] = [
      { flag: "new-checkout", type: "boolean", defaultValue: false },
      { flag: "banner", type: "string", defaultValue: "none" },
      { flag: "page-size", type: "number", defaultValue: 0 },
      { flag: "theme", type: "object", defaultValue: {} },
      { flag: "no-default", type: "string", defaultValue: "caller" },
      { flag: "broken-ref", type: "boolean", defaultValue: false },
      { flag: "banner", type: "boolean", defaultValue: false },
      { flag: "does-not-exist", type: "string", defaultValue: "x" },
    ];
    const seen = await compareWithCli(cases, {
      targetingKey: "u-1",
      email: "ann@shop.example",
      appVersion: "2.1.0",
    });
    expect([...seen].sort()).toEqual(
      ["DEFAULT", "FLAG_NOT_FOUND", "PARSE_ERROR", "STATIC", "TARGETING_MATCH", "TYPE_MISMATCH"].sort(),
    );
    expect(client.getBooleanValue("new-checkout", false)).toBe(true);
    expect(client.getNumberValue("page-size", 0)).toBe(50);

    const posts = proxy.log.filter((l) => l.startsWith("POST")).length;
    await OpenFeature.setContext(DOMAIN, {
      targetingKey: "u-2",
      email: "bob@else.example",
      appVersion: "1.0.0",
    });
    expect(proxy.log.filter((l) => l.startsWith("POST")).length).toBeGreaterThan(posts);
    await compareWithCli(cases.slice(0, 3), {
      targetingKey: "u-2",
      email: "bob@else.example",
      appVersion: "1.0.0",
    });
    expect(client.getNumberValue("page-size", 0)).toBe(10);
  }, 300_000);

  it("answers a disabled flag FLAG_NOT_FOUND: OFREP's bulk answer leaves disabled flags out, as flagd's", () => {
    const d = client.getBooleanDetails("old-nav", false);
    expect(d).toMatchObject({ value: false, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
  });

  it("polls with If-None-Match: unchanged answers come back 304", async () => {
    const start = proxy.log.length;
    await eventually(
      () => proxy.log.slice(start).filter((l) => l.endsWith(" 304")).length >= 3,
      "three 304 polls",
    );
    expect(proxy.log.slice(start).every((l) => l === "POST /ofrep/v1/evaluate/flags 304")).toBe(true);
    expect(changes).toEqual([]);
  });

  it("picks up a file change and reports which flags changed", async () => {
    save(flagSet("Summer sale"));
    await eventually(() => changes.length > 0, "ConfigurationChanged");
    expect(changes[0]).toEqual(["banner"]);
    expect(client.getStringValue("banner", "none")).toBe("Summer sale");
  });

  it("keeps its cached answers while the server is down (Stale); a context it cannot evaluate answers PROVIDER_NOT_READY", async () => {
    await serve.stop();
    await eventually(() => stale.length > 0, "a Stale event");
    expect(client.getStringDetails("banner", "none")).toMatchObject({
      value: "Summer sale",
      reason: "STATIC",
    });

    await OpenFeature.setContext(DOMAIN, { targetingKey: "u-3" });
    const d = client.getStringDetails("banner", "fallback");
    expect(d).toMatchObject({ value: "fallback", reason: "ERROR", errorCode: "PROVIDER_NOT_READY" });
    expect(d.errorMessage).toContain("unreachable");

    serve = await startFlagsServe([FILE]);
    await OpenFeature.setContext(DOMAIN, { targetingKey: "u-4" });
    expect(client.getStringDetails("banner", "none")).toMatchObject({
      value: "Summer sale",
      reason: "STATIC",
    });
  });
});
