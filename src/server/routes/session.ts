import { z } from "zod";
import { signIn, signOut } from "../../auth/accounts.js";
import { TokenBucketLimiter, rateLimitHeaders } from "../../auth/rate-limit.js";
import { clearSessionCookie, sessionCookie } from "../../auth/sessions.js";
import { DEFAULTS } from "../../core/defaults.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";
import { errorBody } from "../http-io.js";

const SESSION_TTL_MS = DEFAULTS.sessionTtlHours * 3_600_000;

/** Sign-in attempts per client address: a burst of 10, then one every 5 s (slows password guessing). */
const signInLimiter = (app: AppContext) =>
  app.singleton(
    "session.sign-in-limiter",
    () => new TokenBucketLimiter({ capacity: 10, refillPerSecond: 0.2 }),
  );

const signInBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** Dashboard sign-in: `{ user, csrfToken }`, the cookie HttpOnly, SameSite=Strict (Secure on https). */
export const sessionRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/api/session",
    tag: "session",
    summary: "Sign in with a user name and password; sets the session cookie, returns the CSRF token",
    body: signInBody,
    handler: async ({ app, body, req }) => {
      const limited = signInLimiter(app).take(req.socket.remoteAddress ?? "unknown");
      if (!limited.allowed) {
        return {
          status: 429,
          body: errorBody("SLIPWAY_RATE_LIMITED", "too many sign-in attempts; wait a little"),
          headers: rateLimitHeaders(limited),
        };
      }
      const result = await signIn(app.access, {
        name: body.username,
        password: body.password,
        now: app.now(),
        ttlMs: SESSION_TTL_MS,
      });
      if (!result.ok) return { status: 401, body: errorBody("SLIPWAY_UNAUTHENTICATED", result.message) };
      return {
        status: 200,
        body: {
          user: { id: result.user.id, name: result.user.name, role: result.user.role },
          csrfToken: result.csrfToken,
          expiresAt: result.expiresAt,
        },
        headers: {
          "set-cookie": sessionCookie(result.sessionId, {
            secure: app.secureCookies,
            maxAgeSeconds: SESSION_TTL_MS / 1000,
          }),
        },
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/api/session",
    tag: "session",
    summary: "The signed-in user and the session's CSRF token (401 without a session)",
    handler: ({ auth }) => {
      if (auth.via !== "session") {
        const message =
          auth.via === "token" ? "API tokens have no session" : "not signed in; POST /api/session to sign in";
        return { status: 401, body: errorBody("SLIPWAY_UNAUTHENTICATED", message) };
      }
      const { principal, session } = auth;
      return {
        status: 200,
        body: {
          user: { id: principal.id, name: principal.name, role: principal.role },
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt,
        },
      };
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/session",
    tag: "session",
    summary: "Sign out: ends the session and clears the cookie",
    handler: async ({ app, req }) => {
      await signOut(app.access, req.headers.cookie);
      return {
        status: 200,
        body: { ok: true },
        headers: { "set-cookie": clearSessionCookie({ secure: app.secureCookies }) },
      };
    },
  }),
];
