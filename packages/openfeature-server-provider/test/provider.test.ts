import { createServer, type Server } from "node:http";
import { OpenFeature, ProviderEvents, type Client } from "@openfeature/server-sdk";
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
import { SlipwayProvider, type FlagEvent } from "../src/index.js";

// The server provider through the real @openfeature/server-sdk against a real `slipway flags serve`
// process (built CLI: `npm run build` first), with a recording proxy in between to see 200s and 304s.

const flags = tempFlagFile("slipway-of-server-");
const FILE = flags.file;
const save = flags.save;
const flagSet = (bannerText: string) =>
  shopFlagSet(bannerText, { metadata: { flagSetId: "shop", version: "12" } });

let serve: ServeProcess;
let proxy: RecordingProxy;
let receiver: Server;
let receiverUrl = "";
const received: { events: FlagEvent[] }[] = [];
let refuseNext = 0;
let provider: SlipwayProvider;
let client: Client;
const changes: string[][] = [];
const stale: string[] = [];

beforeAll(async () => {
  save(flagSet("Spring sale"));
  serve = await startFlagsServe([FILE]);
  proxy = await startRecordingProxy(() => serve.url);
  // A tiny event receiver standing in for POST /api/flags/events; it can refuse a request to show retries.
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (refuseNext > 0) {
        refuseNext -= 1;
        res.writeHead(503).end();
        return;
      }
      expect(req.url).toBe("/api/flags/events");
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers.authorization).toBe("Bearer client-key-1");
      received.push(JSON.parse(body) as { events: FlagEvent[] });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/api/flags/events`;

  provider = new SlipwayProvider({
    url: proxy.url,
    token: "client-key-1",
    pollIntervalMs: 100,
    eventsUrl: receiverUrl,
    eventBatchSize: 3,
    eventFlushIntervalMs: 60_000,
  });
  provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
    changes.push((details as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? []);
  });
  provider.events.addHandler(ProviderEvents.Stale, (details) => stale.push(details?.message ?? ""));
  await OpenFeature.setProviderAndWait("slipway-test", provider);
  client = OpenFeature.getClient("slipway-test");
});

afterAll(async () => {
  await OpenFeature.close();
  await proxy?.close();
  await serve?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  flags.remove();
});

type Case = {
  flag: string;
  type: "boolean" | "string" | "number" | "object";
  defaultValue: boolean | string | number | Record<string, string>;
  context: Record<string, string>;
};

const cases: Case[] = [
  {
    flag: "new-checkout",
    type: "boolean",
    defaultValue: false,
    context: { targetingKey: "u-1", email: "a@shop.example" },
  },
  ...["u-1", "u-2", "u-3", "u-4"].map((targetingKey): Case => ({
    flag: "new-checkout",
    type: "boolean",
    defaultValue: false,
    context: { targetingKey },
  })),
  { flag: "new-checkout", type: "boolean", defaultValue: true, context: {} },
  { flag: "banner", type: "string", defaultValue: "none", context: {} },
  { flag: "page-size", type: "number", defaultValue: 0, context: { appVersion: "2.1.0" } },
  { flag: "page-size", type: "number", defaultValue: 0, context: { appVersion: "1.9.0" } },
  { flag: "theme", type: "object", defaultValue: {}, context: {} },
  { flag: "old-nav", type: "boolean", defaultValue: false, context: {} },
  { flag: "no-default", type: "string", defaultValue: "caller", context: {} },
  { flag: "broken-ref", type: "boolean", defaultValue: false, context: {} },
  { flag: "banner", type: "boolean", defaultValue: false, context: {} },
  { flag: "does-not-exist", type: "string", defaultValue: "x", context: {} },
];

async function details(c: Case) {
  switch (c.type) {
    case "boolean":
      return client.getBooleanDetails(c.flag, c.defaultValue as boolean, c.context);
    case "string":
      return client.getStringDetails(c.flag, c.defaultValue as string, c.context);
    case "number":
      return client.getNumberDetails(c.flag, c.defaultValue as number, c.context);
    case "object":
      return client.getObjectDetails(c.flag, c.defaultValue as Record<string, string>, c.context);
  }
}

describe("SlipwayProvider (server)", () => {
  it("evaluates every flag as `slipway flags eval` does: values, variants, reasons, error codes, metadata", async () => {
    // one CLI process per case, all at once: each start costs seconds on a loaded machine
    const answers = await Promise.all(
      cases.map((c) =>
        cliEval([FILE], c.flag, {
          type: c.type === "number" ? "float" : c.type,
          defaultValue: c.defaultValue,
          context: c.context,
        }),
      ),
    );
    for (const [i, c] of cases.entries()) {
      const cli = answers[i]!;
      const sdk = await details(c);
      const label = `${c.flag} ${JSON.stringify(c.context)}`;
      expect(sdk.value, label).toEqual(cli.value);
      expect(sdk.variant ?? null, label).toBe(cli.variant);
      expect(sdk.reason, label).toBe(cli.reason);
      expect(sdk.errorCode ?? null, label).toBe(cli.errorCode);
      expect(sdk.flagMetadata, label).toEqual(cli.flagMetadata);
    }
    // the cases cover each reason and error code the SDK should see
    const reasons = new Set<string>();
    for (const c of cases) {
      const d = await details(c);
      reasons.add(d.errorCode ?? d.reason ?? "");
    }
    expect([...reasons].sort()).toEqual(
      [
        "DEFAULT",
        "DISABLED",
        "FLAG_NOT_FOUND",
        "PARSE_ERROR",
        "STATIC",
        "TARGETING_MATCH",
        "TYPE_MISMATCH",
      ].sort(),
    );
  }, 300_000);

  it("polls with If-None-Match: an unchanged document answers 304", async () => {
    const start = proxy.log.length;
    await eventually(
      () => proxy.log.slice(start).filter((l) => l.endsWith(" 304")).length >= 3,
      "three 304 polls",
    );
    expect(proxy.log.slice(start).every((l) => l === "GET /api/flags/document 304")).toBe(true);
    expect(changes).toEqual([]);
  });

  it("picks up a file change and reports which flags changed", async () => {
    save(flagSet("Summer sale"));
    await eventually(() => changes.length > 0, "ConfigurationChanged");
    expect(changes[0]).toEqual(["banner"]);
    expect(await client.getStringValue("banner", "none")).toBe("Summer sale");
    expect(proxy.log.some((l) => l === "GET /api/flags/document 200")).toBe(true);
  });

  it("sends conversions and exposures in batches to the events endpoint, retrying a refused batch", async () => {
    await provider.flushEvents();
    received.length = 0;
    refuseNext = 1;
    await client.getBooleanValue("new-checkout", false, { targetingKey: "buyer-7" });
    await client.getStringValue("banner", "none", { targetingKey: "buyer-7" });
    client.track("purchase", { targetingKey: "buyer-7" }, { value: 42.5, currency: "EUR" });
    // the third event filled a batch of 3: it was sent, refused (503) and kept
    await eventually(() => refuseNext === 0, "the refused batch");
    expect(received).toEqual([]);
    await client.getNumberValue("page-size", 0, { targetingKey: "buyer-8", appVersion: "2.0.0" });
    await provider.flushEvents();
    expect(received.map((batch) => batch.events.length)).toEqual([3, 1]);
    const events = received.flatMap((batch) => batch.events);
    expect(
      events.map((e) => (e.kind === "exposure" ? `${e.flagKey}:${e.variant}` : `conversion:${e.name}`)),
    ).toEqual([
      `new-checkout:${(await cliEval([FILE], "new-checkout", { defaultValue: false, context: { targetingKey: "buyer-7" } })).variant}`,
      "banner:current",
      "conversion:purchase",
      "page-size:large",
    ]);
    expect(events[2]).toMatchObject({
      kind: "conversion",
      targetingKey: "buyer-7",
      details: { value: 42.5, currency: "EUR" },
    });
    expect(events[1]).toMatchObject({ kind: "exposure", reason: "STATIC", targetingKey: "buyer-7" });
    for (const event of events) expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
  });

  it("keeps serving its cached flags while the server is down, reports Stale, recovers", async () => {
    await serve.stop();
    await eventually(() => stale.length > 0, "a Stale event");
    expect(proxy.log.at(-1)).toBe("GET /api/flags/document DOWN");
    const d = await client.getStringDetails("banner", "none");
    expect(d).toMatchObject({ value: "Summer sale", reason: "STATIC", variant: "current" });
    expect(d.errorCode).toBeUndefined();

    // a provider that never reached the server answers the caller's default with an error code
    const cold = new SlipwayProvider({ url: proxy.url, eventsUrl: receiverUrl });
    await expect(OpenFeature.setProviderAndWait("cold", cold)).rejects.toThrow();
    const coldDetails = await OpenFeature.getClient("cold").getStringDetails("banner", "fallback");
    expect(coldDetails).toMatchObject({ value: "fallback", reason: "ERROR" });
    expect(coldDetails.errorCode).toBe("PROVIDER_NOT_READY");

    // the server comes back (same file): the provider is Ready again
    let ready = false;
    provider.events.addHandler(ProviderEvents.Ready, () => (ready = true));
    serve = await startFlagsServe([FILE]);
    await eventually(() => ready, "Ready after the server came back");
    expect(await client.getStringValue("banner", "none")).toBe("Summer sale");
  });
});
