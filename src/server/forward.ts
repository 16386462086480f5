import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { errorBody, sendJson } from "./http-io.js";

/** Set on a request a follower forwarded, so a replica that no longer leads does not pass it on. */
export const FORWARDED_HEADER = "x-slipway-forwarded";

/** GETs that need the leader's live view of the instances and the proxy (a follower supervises none). */
const LEADER_VIEWS = [/^\/api\/status\/?$/, /^\/api\/catalog(\/|$)/, /^\/api\/health\/?$/];

/**
 * What a follower does with a request: "change"s go to the leader (it alone commits rollouts,
 * runs and notifications); "view"s of what runs go to the leader while there is one (else the
 * follower answers what it knows); the rest (reads of the state, the dashboard, the live feed
 * `/api/events`) any replica answers itself (undefined).
 */
export function forLeader(req: IncomingMessage): "change" | "view" | undefined {
  const path = new URL(req.url ?? "/", "http://replica").pathname;
  if (!path.startsWith("/api/")) return undefined;
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") return "change";
  return LEADER_VIEWS.some((view) => view.test(path)) ? "view" : undefined;
}

/**
 * Passes `req` on to the leader at `leader` and its answer back, unchanged (the leader checks the
 * credentials). Without a leader (an election under way), or when it cannot be reached, answers
 * 503 with Retry-After: the client tries again in a second, by when a follower has taken over.
 */
export function forwardToLeader(req: IncomingMessage, res: ServerResponse, leader: string | undefined): Promise<void> {
  const unavailable = (why: string) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.setHeader("retry-after", "1");
    sendJson(res, 503, errorBody("SLIPWAY_UNAVAILABLE", `${why}; retry in a moment`));
  };
  if (!leader || req.headers[FORWARDED_HEADER]) {
    unavailable("no control-plane replica leads right now (an election is under way)");
    return Promise.resolve();
  }
  return new Promise((done) => {
    const target = new URL(req.url ?? "/", leader);
    const upstream = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host, [FORWARDED_HEADER]: "1" } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", () => done());
        answer.on("error", () => {
          res.destroy();
          done();
        });
      },
    );
    upstream.on("error", (error) => {
      unavailable(`the leader ${leader} cannot be reached (${error.message})`);
      done();
    });
    req.pipe(upstream);
  });
}
