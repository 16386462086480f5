/**
 * The traffic port's contract, runnable against any data plane provider (src/traffic/<provider>/):
 * what the control plane relies on when it hands a complete route table to a data plane and reads
 * its per-revision stats back. Real upstreams on real sockets (listen(0)); every assertion is on
 * counts and statuses, never on time. Each test gets a fresh data plane from `makeDataPlane`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CanaryRouting, RevisionStats, Route } from "../../src/core/traffic/index.js";
import type { DataPlaneAdmin } from "../../src/traffic/port.js";
import { newPreviewKey, previewToken, REVISION_HEADER } from "../../src/traffic/preview-token.js";
import {
  CookieJarClient,
  Fixture,
  inParallel,
  policy,
  route,
  send,
  tally,
  until,
  type Reply,
} from "../proxy/helpers.js";

export interface ContractDataPlane {
  /** The provider's DataPlaneAdmin: what the TrafficRouter applies tables to and reads stats from. */
  admin: DataPlaneAdmin;
  /** Where traffic enters, `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

const STABLE = "web/production@v1";
const CANARY = "web/production@v2";
const STICKY = "slipway-rev-web";

const servedBy = (reply: Reply) => String(reply.headers[REVISION_HEADER]);
const stickyCookies = (reply: Reply) =>
  (reply.headers["set-cookie"] ?? []).filter((line) => line.startsWith(`${STICKY}=`));

export function trafficRouterContract(label: string, makeDataPlane: () => Promise<ContractDataPlane>): void {
  describe(`traffic port contract: ${label}`, () => {
    const fx = new Fixture();
    let plane: ContractDataPlane;
    let generation = 0;

    beforeEach(async () => {
      plane = await makeDataPlane();
      fx.defer(() => plane.close());
      generation = (await plane.admin.routes()).generation;
    });
    afterEach(() => fx.cleanup());

    /** Applies the complete table with the next generation. */
    const apply = async (routes: Route[]) =>
      (await plane.admin.applyRoutes({ generation: ++generation, routes })).generation;
    const statsOf = async (revision: string): Promise<RevisionStats | undefined> =>
      (await plane.admin.stats()).find((s) => s.revision === revision);

    it("splits by the table's weights exactly (3:1 over 400 requests)", async () => {
      const stable = await fx.upstream("stable");
      const canary = await fx.upstream("canary");
      await apply([
        route("web/production", [
          [STABLE, 3, stable],
          [CANARY, 1, canary],
        ]),
      ]);
      const agent = fx.agent();
      const replies = await inParallel(400, 8, () => send(`${plane.url}/`, { agent }));
      expect(tally(replies.map(servedBy))).toEqual({ [STABLE]: 300, [CANARY]: 100 });
      expect(stable.seen).toHaveLength(300);
      expect(canary.seen).toHaveLength(100);
    });

    it("sends every request with the canary header or cookie to the canary, without a sticky cookie", async () => {
      const stable = await fx.upstream("stable");
      const canary = await fx.upstream("canary");
      const routing: CanaryRouting = {
        revision: CANARY,
        header: { name: "X-Canary", value: "always" },
        cookie: { name: "slipway-canary" },
        sticky: { cookie: STICKY, maxAgeS: 3_600 },
      };
      await apply([
        route(
          "web/production",
          [
            [STABLE, 99, stable],
            [CANARY, 1, canary],
          ],
          { canary: routing },
        ),
      ]);
      const agent = fx.agent();
      const byHeader = await inParallel(50, 8, () =>
        send(`${plane.url}/`, { headers: { "x-canary": "always" }, agent }),
      );
      const byCookie = await inParallel(50, 8, () =>
        send(`${plane.url}/`, { headers: { cookie: "theme=dark; slipway-canary=1" }, agent }),
      );
      expect(tally([...byHeader, ...byCookie].map(servedBy))).toEqual({ [CANARY]: 100 });
      expect(canary.seen).toHaveLength(100);
      expect(stable.seen).toHaveLength(0);
      expect([...byHeader, ...byCookie].filter((r) => stickyCookies(r).length > 0)).toHaveLength(0);
    });

    it("keeps sticky clients on their revision across weight changes, and re-picks them when it leaves the split", async () => {
      const stable = await fx.upstream("stable");
      const canary = await fx.upstream("canary");
      const routing: CanaryRouting = { revision: CANARY, sticky: { cookie: STICKY, maxAgeS: 3_600 } };
      const table = (stableWeight: number, canaryWeight: number) => [
        route(
          "web/production",
          [
            [STABLE, stableWeight, stable],
            [CANARY, canaryWeight, canary],
          ],
          { canary: routing },
        ),
      ];
      await apply(table(50, 50));
      const clients = Array.from({ length: 20 }, () => new CookieJarClient(plane.url));
      const first = await Promise.all(clients.map(async (c) => await c.get()));
      // Exact split: 10 of 20 first picks on each revision, each told so by its sticky cookie.
      expect(tally(first.map(servedBy))).toEqual({ [STABLE]: 10, [CANARY]: 10 });
      for (const [i, reply] of first.entries()) expect(clients[i]!.cookies.get(STICKY)).toBe(servedBy(reply));

      await apply(table(90, 10));
      for (let round = 0; round < 3; round++) {
        const again = await Promise.all(clients.map((c) => c.get()));
        expect(again.map(servedBy)).toEqual(first.map(servedBy));
      }

      await apply(table(100, 0));
      const repicked = await Promise.all(clients.map((c) => c.get()));
      expect(tally(repicked.map(servedBy))).toEqual({ [STABLE]: 20 });
      for (const c of clients) expect(c.cookies.get(STICKY)).toBe(STABLE);
    });

    it("routes a signed preview to its revision even at weight 0, kept out of its public numbers", async () => {
      const stable = await fx.upstream("stable");
      const candidate = await fx.upstream("candidate");
      const preview = { key: newPreviewKey() };
      await apply([
        route(
          "web/production",
          [
            [STABLE, 1, stable],
            [CANARY, 0, candidate],
          ],
          { preview },
        ),
      ]);
      const signed = await send(`${plane.url}/p`, {
        headers: { [REVISION_HEADER]: previewToken(preview.key, CANARY) },
      });
      expect(signed).toMatchObject({ status: 200, body: "candidate /p" });
      // The bare revision id, or a token under another key, is not a preview.
      for (const value of [CANARY, previewToken(newPreviewKey(), CANARY)]) {
        const reply = await send(`${plane.url}/q`, { headers: { [REVISION_HEADER]: value } });
        expect(reply).toMatchObject({ status: 200, body: "stable /q" });
      }
      expect(candidate.seen).toHaveLength(1);
      const stats = await statsOf(CANARY);
      expect(stats?.previews).toBe(1);
      expect(stats?.responses["2xx"]).toBe(0);
      expect(stats?.latency.count).toBe(0);
      expect((await statsOf(STABLE))?.responses["2xx"]).toBe(2);
    });

    it("drains a revision that left the table, cutting what still runs at the deadline with 504", async () => {
      const held = new Set<string>();
      const blue = await fx.upstream("blue", (req) => held.add(req.url ?? "")); // never answers
      const green = await fx.upstream("green");
      const drain = policy({ drainTimeoutMs: 300 });
      await apply([route("web/production", [[STABLE, 1, blue]], { policy: drain })]);
      const forever = send(`${plane.url}/forever`);
      await until(() => held.has("/forever"), "the request at blue");
      expect((await statsOf(STABLE))?.inflight).toBe(1);
      await apply([route("web/production", [[CANARY, 1, green]], { policy: drain })]);
      const fresh = await send(`${plane.url}/new`);
      expect(fresh).toMatchObject({ status: 200, body: "green /new" });
      const cut = await forever;
      expect(cut.status).toBe(504);
      expect(servedBy(cut)).toBe(STABLE);
      const stats = await statsOf(STABLE);
      expect(stats).toMatchObject({ state: "drained", cutAtDrain: 1, inflight: 0 });
      expect(stats?.responses["5xx"]).toBe(1);
      expect(blue.seen.map((r) => r.url)).toEqual(["/forever"]);
    });

    it("refuses a stale table (lower generation) and keeps routing by the current one", async () => {
      const blue = await fx.upstream("blue");
      const green = await fx.upstream("green");
      const current = await apply([route("web/production", [[STABLE, 1, blue]])]);
      const stale = plane.admin.applyRoutes({
        generation: current - 1,
        routes: [route("web/production", [[CANARY, 1, green]])],
      });
      await expect(stale).rejects.toMatchObject({ code: "SLIPWAY_CONFLICT" });
      expect((await plane.admin.routes()).generation).toBe(current);
      expect((await send(`${plane.url}/`)).body).toBe("blue /");
      // The same generation again is accepted (a control plane resending what it believes).
      const table = await plane.admin.routes();
      await expect(plane.admin.applyRoutes(table)).resolves.toEqual({ generation: current });
      expect(green.seen).toHaveLength(0);
    });

    it("counts responses by status class, in-flight requests and an exact latency histogram per revision", async () => {
      const held: (() => void)[] = [];
      const app = await fx.upstream("app", (req: IncomingMessage, res: ServerResponse) => {
        req.resume();
        const status = Number(req.url?.slice(1));
        if (req.url === "/hold") return held.push(() => res.end("held"));
        res.statusCode = status;
        res.end(String(status));
      });
      // No retries and no ejection: every request is answered once, by the app.
      const strict = policy({
        retries: 0,
        outlier: { consecutiveErrors: 1_000, ejectionMs: 1, maxEjectedPercent: 0 },
      });
      await apply([route("web/production", [[STABLE, 1, app]], { policy: strict })]);
      const plan: Record<string, number> = {
        "/200": 7,
        "/204": 2,
        "/302": 3,
        "/404": 4,
        "/500": 5,
        "/503": 1,
      };
      for (const [path, times] of Object.entries(plan))
        for (let i = 0; i < times; i++)
          expect((await send(`${plane.url}${path}`)).status).toBe(Number(path.slice(1)));

      const hold = send(`${plane.url}/hold`);
      await until(() => held.length === 1, "the held request at the app");
      expect((await statsOf(STABLE))?.inflight).toBe(1);
      held[0]!();
      expect((await hold).status).toBe(200);

      const stats = await statsOf(STABLE);
      expect(stats?.route).toBe("web/production");
      expect(stats?.inflight).toBe(0);
      expect(stats?.responses).toEqual({ "1xx": 0, "2xx": 10, "3xx": 3, "4xx": 4, "5xx": 6 });
      const latency = stats!.latency;
      expect(latency.count).toBe(23);
      expect(latency.counts).toHaveLength(latency.bucketsMs.length);
      // Cumulative per finite upper bound (Prometheus-style): never decreasing, never above count
      // (the rest are above the widest bound).
      for (let i = 1; i < latency.bucketsMs.length; i++) {
        expect(latency.bucketsMs[i]!).toBeGreaterThan(latency.bucketsMs[i - 1]!);
        expect(latency.counts[i]!).toBeGreaterThanOrEqual(latency.counts[i - 1]!);
      }
      expect(latency.counts.at(-1)!).toBeLessThanOrEqual(23);
      expect(latency.sum).toBeGreaterThanOrEqual(0);
    });
    it("ejects an instance after consecutive 5xx: it gets exactly that many requests, its sibling the rest", async () => {
      const bad = await fx.upstream("bad", (req, res) => {
        req.resume();
        res.statusCode = 500;
        res.end("broken");
      });
      const good = await fx.upstream("good");
      // No retries: each request is answered by the instance it was sent to. A long ejection: none
      // of the requests below may find the bad instance back.
      const eject = policy({
        retries: 0,
        outlier: { consecutiveErrors: 3, ejectionMs: 60_000, maxEjectedPercent: 50 },
      });
      await apply([route("web/production", [[STABLE, 1, bad, good]], { policy: eject })]);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await send(`${plane.url}/e${i}`)).status);
      // Round-robin sends every other request to the bad instance until its third 500.
      expect(bad.seen).toHaveLength(3);
      expect(tally(statuses.map(String))).toEqual({ "200": 17, "500": 3 });
      expect(good.seen).toHaveLength(17);
      expect(statuses.slice(6)).toEqual(Array.from({ length: 14 }, () => 200));
      const stats = await statsOf(STABLE);
      expect(stats?.responses).toMatchObject({ "2xx": 17, "5xx": 3 });
    });

    it("passes WebSocket upgrades through to the revision, messages both ways", async () => {
      const app = await fx.upstream("ws-app");
      const wss = new WebSocketServer({ server: app.server });
      fx.defer(() => new Promise<void>((done) => wss.close(() => done())));
      wss.on("connection", (socket, req) =>
        socket.on("message", (data) => socket.send(`echo ${(data as Buffer).toString()} from ${req.url}`)),
      );
      await apply([route("web/production", [[STABLE, 1, app]])]);
      const client = new WebSocket(`${plane.url.replace("http", "ws")}/chat`);
      const upgraded = new Promise<string>((done) =>
        client.once("upgrade", (res) => done(String(res.headers[REVISION_HEADER]))),
      );
      await new Promise((done, fail) => client.once("open", done).once("error", fail));
      const reply = new Promise<string>((done) =>
        client.once("message", (data) => done((data as Buffer).toString())),
      );
      client.send("hi");
      expect(await reply).toBe("echo hi from /chat");
      expect(await upgraded).toBe(STABLE);
      client.close();
    });

    it("retries a refused connection on another instance, never a request the app may have run", async () => {
      // An instance whose port refuses connections: every request still succeeds, on the other one.
      const closed = await new Promise<number>((done) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const address = probe.address();
          probe.close(() => done(typeof address === "object" && address ? address.port : 0));
        });
      });
      const live = await fx.upstream("live");
      const ejectNever = policy({
        retries: 1,
        outlier: { consecutiveErrors: 1_000, ejectionMs: 60_000, maxEjectedPercent: 0 },
      });
      const twoInstances: Route = {
        ...route("web/production", [[STABLE, 1, live]], { policy: ejectNever }),
      };
      twoInstances.revisions[0]!.instances.unshift({ id: "dead-0", host: "127.0.0.1", port: closed });
      await apply([twoInstances]);
      for (let i = 0; i < 6; i++) {
        const method = i % 2 === 0 ? "GET" : "POST";
        expect(await send(`${plane.url}/r${i}`, { method })).toMatchObject({
          status: 200,
          body: `live /r${i}`,
        });
      }

      // An app that drops the connection after reading a POST: answered 502, sent to it once.
      const posts: string[] = [];
      const dropper = await fx.upstream("dropper", (req) => {
        posts.push(req.url ?? "");
        req.socket.destroy();
      });
      await apply([route("web/production", [[CANARY, 1, dropper]], { policy: ejectNever })]);
      const dropped = await send(`${plane.url}/pay`, { method: "POST", body: "charge=1" });
      expect(dropped.status).toBe(502);
      expect(posts).toEqual(["/pay"]);
    });
  });
}
