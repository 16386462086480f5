import type { IncomingMessage, ServerResponse } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CanaryRouting, Route } from "../../src/core/traffic/index.js";
import {
  buildCli,
  CookieJarClient,
  Fixture,
  inParallel,
  route,
  send,
  tally,
  type Reply,
  type Upstream,
} from "./helpers.js";

// Real `slipway proxy` processes (bin/slipway.js → dist/cli.js) in front of real upstreams. Every
// figure is measured and printed; assertions are on counts, never on time.
beforeAll(() => buildCli());

const fx = new Fixture();
afterEach(() => fx.cleanup());

const STABLE = "web/production@v1";
const CANARY = "web/production@v2";
const NEXT = "web/production@v3";
const STICKY = "slipway-rev-web";
/** Bounded, and generous: thousands of requests on a shared 2-core machine. */
const TIMEOUT_MS = 180_000;

const ROUTING: CanaryRouting = {
  revision: CANARY,
  header: { name: "X-Canary", value: "always" },
  cookie: { name: "slipway-canary" },
  sticky: { cookie: STICKY, maxAgeS: 86_400 },
};

/** An app that sets cookies of its own, which the proxy's sticky cookie must never replace. */
function app(name: string): Promise<Upstream> {
  return fx.upstream(name, (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    res.setHeader("set-cookie", [`app-session=${name}; Path=/; HttpOnly`, "app-theme=dark"]);
    req.on("end", () => res.end(name));
  });
}

function webRoute(
  revisions: [id: string, weight: number, upstream: Upstream][],
  canary: CanaryRouting | undefined = ROUTING,
): Route[] {
  return [route("web/production", revisions, canary ? { canary } : {})];
}

const servedBy = (reply: Reply) => String(reply.headers["x-slipway-revision"]);
const stickyCookies = (reply: Reply) =>
  (reply.headers["set-cookie"] ?? []).filter((line) => line.startsWith(`${STICKY}=`));

function log(what: string, figures: unknown): void {
  console.log(`[canary-routing] ${what}: ${JSON.stringify(figures)}`);
}

describe("canary routing through slipway proxy", () => {
  it(
    "sends every request with the canary header to the canary (1000 at canary weight 10, 2 workers)",
    async () => {
      const stable = await app("stable");
      const canary = await app("canary");
      const proxy = await fx.spawn({ workers: 2 });
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      const agent = fx.agent();
      const tagged = await inParallel(1000, 8, () =>
        send(`${proxy.url}/`, { headers: { "x-canary": "always" }, agent }),
      );
      const byRevision = tally(tagged.map(servedBy));
      log("1000 requests with x-canary: always", { byRevision, canarySaw: canary.seen.length });
      expect(byRevision).toEqual({ [CANARY]: 1000 });
      expect(canary.seen).toHaveLength(1000);
      expect(stable.seen).toHaveLength(0);
      // Testers are routed, not assigned: no sticky cookie for them.
      expect(tagged.filter((reply) => stickyCookies(reply).length > 0)).toHaveLength(0);

      // Another value than the one asked for is not a tester: it takes the split.
      const other = await inParallel(100, 8, () =>
        send(`${proxy.url}/`, { headers: { "x-canary": "sometimes" }, agent }),
      );
      const otherByRevision = tally(other.map(servedBy));
      log("100 requests with x-canary: sometimes", otherByRevision);
      expect(otherByRevision[STABLE]).toBeGreaterThanOrEqual(88);
    },
    TIMEOUT_MS,
  );

  it(
    "sends every request with the canary cookie to the canary, among other cookies, spaced or quoted",
    async () => {
      const stable = await app("stable");
      const canary = await app("canary");
      const proxy = await fx.spawn({ workers: 2 });
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      const jars = [
        "slipway-canary=1",
        "theme=dark; slipway-canary=yes; lang=en",
        `a=1;slipway-canary="quoted";b=2`,
        `  slipway-canary  =  spaced ; ${STICKY}=${STABLE}`,
      ];
      const agent = fx.agent();
      const replies = await inParallel(1000, 8, (i) =>
        send(`${proxy.url}/`, { headers: { cookie: jars[i % jars.length]! }, agent }),
      );
      const byRevision = tally(replies.map(servedBy));
      log("1000 requests with the slipway-canary cookie", { byRevision, canarySaw: canary.seen.length });
      expect(byRevision).toEqual({ [CANARY]: 1000 });
      expect(stable.seen).toHaveLength(0);
    },
    TIMEOUT_MS,
  );

  it.each([1, 2])(
    "splits requests without header or cookie 90/10, exact per worker (%i worker(s)), appending the sticky cookie to the app's",
    async (workers) => {
      const stable = await app("stable");
      const canary = await app("canary");
      const proxy = await fx.spawn({ workers });
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      // Keep-alive connections, spread by the cluster primary over the workers as they open.
      const agent = fx.agent();
      const replies = await inParallel(1000, 8, () => send(`${proxy.url}/`, { agent }));
      const byRevision = tally(replies.map(servedBy));
      log(`1000 requests without header or cookie, ${workers} worker(s)`, byRevision);
      // Each worker runs its own smooth weighted split, exact to less than one request.
      expect(Math.abs((byRevision[CANARY] ?? 0) - 100)).toBeLessThan(workers);
      expect((byRevision[STABLE] ?? 0) + (byRevision[CANARY] ?? 0)).toBe(1000);
      for (const reply of replies) {
        const cookies = reply.headers["set-cookie"] ?? [];
        const name = reply.body;
        expect(cookies).toEqual([
          `app-session=${name}; Path=/; HttpOnly`,
          "app-theme=dark",
          `${STICKY}=${servedBy(reply)}; Max-Age=86400; Path=/; HttpOnly; SameSite=Lax`,
        ]);
      }
    },
    TIMEOUT_MS,
  );

  it(
    "keeps each client with a cookie jar on one revision over 60 requests, splits clients by weight, and weight changes do not move them",
    async () => {
      const stable = await app("stable");
      const canary = await app("canary");
      const proxy = await fx.spawn({ workers: 2 });
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      // Each request opens a new connection, so one client's requests land on both workers.
      const browse = async (clients: CookieJarClient[], requests: number) =>
        Promise.all(
          clients.map(async (client) => {
            const served: string[] = [];
            let assignments = 0;
            for (let i = 0; i < requests; i++) {
              const reply = await client.get(`/page/${i}`);
              served.push(servedBy(reply));
              assignments += stickyCookies(reply).length;
            }
            return { served, assignments, distinct: new Set(served).size };
          }),
        );
      const clients = Array.from({ length: 40 }, () => new CookieJarClient(proxy.url));
      const first = await browse(clients, 60);
      const clientsByRevision = tally(first.map((c) => c.served[0]!));
      log("40 clients × 60 requests at canary weight 10", {
        clientsByRevision,
        requestsByRevision: tally(first.flatMap((c) => c.served)),
        clientsThatMoved: first.filter((c) => c.distinct > 1).length,
        stickyCookiesSet: first.reduce((sum, c) => sum + c.assignments, 0),
      });
      expect(first.every((c) => c.distinct === 1)).toBe(true);
      expect(first.every((c) => c.assignments === 1)).toBe(true);
      // One weighted pick per client, each worker exact to less than one: 4 of 40 ± 1.
      expect(Math.abs((clientsByRevision[CANARY] ?? 0) - 4)).toBeLessThanOrEqual(1);

      await proxy.apply(
        webRoute([
          [STABLE, 50, stable],
          [CANARY, 50, canary],
        ]),
      );
      const after = await browse(clients, 20);
      const moved = after.filter((c, i) => c.served.some((revision) => revision !== first[i]!.served[0]));
      const newcomers = await browse(
        Array.from({ length: 40 }, () => new CookieJarClient(proxy.url)),
        10,
      );
      const newcomersByRevision = tally(newcomers.map((c) => c.served[0]!));
      log("after the weight went to 50", {
        stickyClientsThatMoved: moved.length,
        stickyCookiesRewritten: after.reduce((sum, c) => sum + c.assignments, 0),
        newClientsByRevision: newcomersByRevision,
        newClientsThatMoved: newcomers.filter((c) => c.distinct > 1).length,
      });
      expect(moved).toHaveLength(0);
      expect(after.every((c) => c.assignments === 0)).toBe(true);
      expect(newcomers.every((c) => c.distinct === 1)).toBe(true);
      expect(Math.abs((newcomersByRevision[CANARY] ?? 0) - 20)).toBeLessThanOrEqual(1);
    },
    TIMEOUT_MS,
  );

  it(
    "re-picks clients of a canary set to weight 0 or replaced, and rewrites their cookie",
    async () => {
      const stable = await app("stable");
      const canary = await app("canary");
      const next = await app("next");
      const proxy = await fx.spawn({ workers: 2 });
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      const clients = Array.from({ length: 30 }, () => new CookieJarClient(proxy.url));
      const firstServed = await Promise.all(clients.map(async (c) => servedBy(await c.get())));
      const onCanary = clients.filter((_c, i) => firstServed[i] === CANARY);
      const onStable = clients.filter((_c, i) => firstServed[i] === STABLE);
      expect(onCanary.length).toBeGreaterThanOrEqual(2);

      // Abort: the canary stays listed at weight 0 (testers can still reach it by header).
      await proxy.apply(
        webRoute([
          [STABLE, 100, stable],
          [CANARY, 0, canary],
        ]),
      );
      const repicked = await Promise.all(onCanary.map((c) => c.get()));
      expect(repicked.map(servedBy)).toEqual(onCanary.map(() => STABLE));
      expect(repicked.map((r) => stickyCookies(r)[0]?.split(";")[0])).toEqual(
        onCanary.map(() => `${STICKY}=${STABLE}`),
      );
      const settled = await Promise.all(onCanary.map(async (c) => (await c.get()).headers["set-cookie"]));
      const untouched = await Promise.all(onStable.map((c) => c.get()));
      log("canary at weight 0", {
        canaryClientsRepickedToStable: repicked.filter((r) => servedBy(r) === STABLE).length,
        of: onCanary.length,
        stableClientsRewritten: untouched.filter((r) => stickyCookies(r).length > 0).length,
      });
      expect(settled.every((cookies) => !cookies?.some((line) => line.startsWith(STICKY)))).toBe(true);
      expect(untouched.every((r) => servedBy(r) === STABLE && stickyCookies(r).length === 0)).toBe(true);
      const testerReply = await send(`${proxy.url}/`, { headers: { "x-canary": "always" } });
      expect(servedBy(testerReply)).toBe(CANARY);

      // A new canary replaces the old one: cookies naming the removed revision are re-picked.
      for (const c of onCanary) c.cookies.set(STICKY, CANARY);
      await proxy.apply(
        webRoute(
          [
            [STABLE, 50, stable],
            [NEXT, 50, next],
          ],
          { ...ROUTING, revision: NEXT },
        ),
      );
      const replaced = await Promise.all(onCanary.map((c) => c.get()));
      log("canary replaced by a new revision", tally(replaced.map(servedBy)));
      for (const [i, reply] of replaced.entries()) {
        expect([STABLE, NEXT]).toContain(servedBy(reply));
        expect(stickyCookies(reply)[0]).toMatch(new RegExp(`^${STICKY}=${servedBy(reply)};`));
        expect(onCanary[i]!.cookies.get(STICKY)).toBe(servedBy(reply));
      }
      expect(canary.seen.length).toBe(onCanary.length + 1);
    },
    TIMEOUT_MS,
  );

  it(
    "refuses a canary naming a revision the route does not list (400 naming the field) and keeps routing with the current table",
    async () => {
      const stable = await app("stable");
      const canary = await app("canary");
      const proxy = await fx.spawn();
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      const refused = proxy.apply(webRoute([[STABLE, 100, stable]], { ...ROUTING, revision: NEXT }));
      await expect(refused).rejects.toMatchObject({
        code: "SLIPWAY_INVALID_ARGUMENT",
        message: expect.stringMatching(
          /routes\.0\.canary\.revision: canary revision "web\/production@v3" is not one/,
        ) as unknown,
      });
      const tester = await send(`${proxy.url}/`, { headers: { "x-canary": "always" } });
      expect(servedBy(tester)).toBe(CANARY);
    },
    TIMEOUT_MS,
  );

  it(
    "ignores and never sets the sticky cookie once the route has no canary",
    async () => {
      const canary = await app("canary");
      const proxy = await fx.spawn();
      await proxy.apply(webRoute([[CANARY, 100, canary]], undefined));
      const client = new CookieJarClient(proxy.url);
      client.cookies.set(STICKY, STABLE);
      const replies = await inParallel(20, 1, () => client.get("/", { "x-canary": "always" }));
      expect(replies.every((r) => servedBy(r) === CANARY && stickyCookies(r).length === 0)).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    "routes WebSocket upgrades with the same pick and sets the sticky cookie on the 101",
    async () => {
      const stable = await fx.upstream("stable");
      const canary = await fx.upstream("canary");
      for (const upstream of [stable, canary]) {
        const wss = new WebSocketServer({ server: upstream.server });
        wss.on("headers", (headers) => headers.push("Set-Cookie: ws-app=1"));
        wss.on("connection", (socket) => socket.send(upstream.name));
        fx.defer(() => wss.close());
      }
      const proxy = await fx.spawn();
      await proxy.apply(
        webRoute([
          [STABLE, 90, stable],
          [CANARY, 10, canary],
        ]),
      );
      const open = async (headers: Record<string, string>) => {
        const client = new WebSocket(`ws://${proxy.listen}/chat`, { headers });
        const upgrade = new Promise<IncomingMessage>((done) => client.once("upgrade", done));
        const message = new Promise<string>((done, fail) => {
          client.once("message", (data) => done((data as Buffer).toString()));
          client.once("error", fail);
        });
        const result = { res: await upgrade, served: await message };
        client.close();
        return result;
      };
      expect((await open({ "x-canary": "always" })).served).toBe("canary");
      expect((await open({ cookie: `${STICKY}=${CANARY}` })).served).toBe("canary");
      const sticky = await open({ cookie: `${STICKY}=${STABLE}` });
      expect(sticky.served).toBe("stable");
      expect(sticky.res.headers["set-cookie"]).toEqual(["ws-app=1"]);
      const fresh = await open({});
      expect(fresh.res.headers["set-cookie"]).toEqual([
        "ws-app=1",
        `${STICKY}=${fresh.res.headers["x-slipway-revision"] as string}; Max-Age=86400; Path=/; HttpOnly; SameSite=Lax`,
      ]);
    },
    TIMEOUT_MS,
  );
});
