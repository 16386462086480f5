import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { isSlipwayError, SlipwayError, type ErrorCode } from "../core/errors.js";
import type { RolloutController } from "../rollouts/controller.js";

/** What `GET /api/status` adds about the processes (URLs printed by `slipway up`). */
export interface ServerInfo {
  apiUrl: string;
  proxyUrl: string;
  projectDir: string;
}

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");
const deployBody = z.strictObject({
  service: name,
  environment: name,
  version: name,
  ref: z.string().min(1).optional(),
  reason: z.string().max(500).optional(),
  actor: z.string().min(1).max(100).optional(),
});
const rollbackBody = z.strictObject({
  service: name,
  environment: name,
  to: name.optional(),
  reason: z.string().min(1, "a reason is required").max(500),
  actor: z.string().min(1).max(100).optional(),
});

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  SLIPWAY_INVALID_WORKFLOW: 400,
  SLIPWAY_INVALID_CONFIG: 400,
  SLIPWAY_INVALID_ARGUMENT: 400,
  SLIPWAY_UNSUPPORTED: 400,
  SLIPWAY_MISSING_INTERPRETER: 400,
  SLIPWAY_NOT_FOUND: 404,
  SLIPWAY_CONFLICT: 409,
  SLIPWAY_BUILD_FAILED: 422,
  SLIPWAY_UNAVAILABLE: 503,
  SLIPWAY_STORE: 500,
  SLIPWAY_UNAUTHENTICATED: 401,
  SLIPWAY_FORBIDDEN: 403,
  SLIPWAY_RATE_LIMITED: 429,
  SLIPWAY_METRIC_QUERY: 502,
};

type Handler = (input: {
  body: unknown;
  query: URLSearchParams;
  params: string[];
}) => Promise<[number, unknown]>;

/**
 * The control plane's HTTP API for rollouts (the CLI's deploy, rollback, status and history talk
 * to it). Errors are JSON `{ error: { code, message, problems? } }` with a 4xx saying why.
 */
export function createApiHandler(controller: RolloutController, info: () => ServerInfo) {
  const routes: Array<{ method: string; path: RegExp; handler: Handler }> = [
    { method: "GET", path: /^\/api\/health$/, handler: () => Promise.resolve([200, { ok: true }]) },
    {
      method: "GET",
      path: /^\/api\/status$/,
      handler: () => Promise.resolve([200, { ...info(), environments: controller.status() }]),
    },
    {
      method: "POST",
      path: /^\/api\/deployments$/,
      handler: async ({ body }) => {
        const input = parse(deployBody, body);
        const result = await controller.deploy({ ...input, actor: input.actor ?? "api" });
        return [result.result === "noop" ? 200 : 202, result];
      },
    },
    {
      method: "POST",
      path: /^\/api\/rollbacks$/,
      handler: async ({ body }) => {
        const input = parse(rollbackBody, body);
        const result = await controller.rollback({ ...input, actor: input.actor ?? "api" });
        return [result.result === "noop" ? 200 : 202, result];
      },
    },
    {
      method: "GET",
      path: /^\/api\/rollouts$/,
      handler: ({ query }) => Promise.resolve([200, { rollouts: controller.list(filters(query)) }]),
    },
    {
      method: "GET",
      path: /^\/api\/rollouts\/([^/]+)$/,
      handler: ({ params }) => {
        const id = params[0] ?? "";
        const rollout = controller.rolloutById(id);
        if (!rollout) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no rollout ${id}`);
        return Promise.resolve([200, { rollout, events: controller.history({ rolloutId: id, limit: 500 }) }]);
      },
    },
    {
      method: "GET",
      path: /^\/api\/history$/,
      handler: ({ query }) => Promise.resolve([200, { events: controller.history(filters(query)) }]),
    },
  ];

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      const matching = routes.filter((r) => r.path.test(url.pathname));
      if (matching.length === 0) throw new SlipwayError("SLIPWAY_NOT_FOUND", `no API route ${url.pathname}`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        send(res, 405, {
          error: {
            code: "SLIPWAY_INVALID_ARGUMENT",
            message: `${req.method} is not allowed on ${url.pathname}`,
          },
        });
        return;
      }
      const params = route.path.exec(url.pathname)?.slice(1).map(decodeURIComponent) ?? [];
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const [status, payload] = await route.handler({ body, query: url.searchParams, params });
      send(res, status, payload);
    } catch (error) {
      if (isSlipwayError(error)) {
        send(res, STATUS_BY_CODE[error.code], {
          error: {
            code: error.code,
            message: error.message,
            ...(error.details.problems ? { problems: error.details.problems } : {}),
          },
        });
      } else {
        send(res, 500, { error: { code: "INTERNAL", message: (error as Error).message } });
      }
    }
  };
}

function filters(query: URLSearchParams): { service?: string; environment?: string; limit?: number } {
  const limit = Number(query.get("limit") ?? "");
  return {
    ...(query.get("service") ? { service: query.get("service") ?? "" } : {}),
    ...(query.get("environment") ? { environment: query.get("environment") ?? "" } : {}),
    ...(Number.isInteger(limit) && limit > 0 ? { limit: Math.min(limit, 1000) } : {}),
  };
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `invalid request: ${problems.join("; ")}`, { problems });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "request body over 1 MB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
