import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULTS } from "../core/defaults.js";
import { SlipwayError, type ErrorCode } from "../core/errors.js";
import { describeSearch, locateProject } from "../config/project-search.js";
import { ADMIN_TOKEN_FILE, readTokenFile } from "./admin-token-file.js";
import { httpRequest } from "./http-request.js";
import { SERVER_INFO_FILE } from "./server-info-file.js";

/**
 * The project the CLI talks about: `dir` when given, else the nearest folder at or above the
 * current one holding slipway.yaml or a server's state (as git finds `.git`), else the current one.
 */
function projectDir(dir: string | undefined): string {
  return dir === undefined ? (locateProject(process.cwd()).dir ?? process.cwd()) : resolve(dir);
}

/** " (… does not exist)": where the CLI looked for `.slipway/<file>`; "" when it is there. */
function searchedFor(file: string, dir: string | undefined): string {
  const search = dir === undefined ? locateProject(process.cwd()) : { dir: resolve(dir), searched: [] };
  if (!search.dir)
    return ` (no slipway.yaml or ${DEFAULTS.dataDir}/${file} in ${describeSearch(search.searched)})`;
  const path = join(search.dir, DEFAULTS.dataDir, file);
  return existsSync(path) ? "" : ` (${path} does not exist)`;
}

/**
 * Where the CLI finds the control plane: SLIPWAY_URL, else the server.json a running
 * `slipway up`/`server` wrote in the project's `.slipway` (found from any folder inside the
 * project), else http://127.0.0.1:7070.
 */
export function serverUrl(dir?: string): string {
  if (process.env.SLIPWAY_URL) return process.env.SLIPWAY_URL.replace(/\/+$/, "");
  try {
    const info = JSON.parse(
      readFileSync(join(projectDir(dir), DEFAULTS.dataDir, SERVER_INFO_FILE), "utf8"),
    ) as {
      apiUrl?: string;
    };
    if (info.apiUrl) return info.apiUrl;
  } catch {
    // no server.json: fall through to the default
  }
  return `http://127.0.0.1:${DEFAULTS.serverPort}`;
}

/**
 * The API token the CLI sends: SLIPWAY_TOKEN, else the project's `.slipway/admin-token` that
 * `slipway up`/`server` wrote on first start (found from any folder inside the project);
 * undefined when neither exists.
 */
export function clientToken(dir?: string): string | undefined {
  const fromEnv = process.env.SLIPWAY_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  return readTokenFile(join(projectDir(dir), DEFAULTS.dataDir, ADMIN_TOKEN_FILE));
}

/** Thin JSON client of the control plane's /api; errors come back as SlipwayErrors with the server's reason. */
export class ApiClient {
  private readonly token: string | undefined;
  private readonly dir: string | undefined;

  /**
   * @param options.token the API token; default: SLIPWAY_TOKEN, else `<dir>/.slipway/admin-token`
   * @param options.dir the project directory whose admin-token file is read (default: found from the current folder)
   */
  constructor(
    readonly baseUrl: string,
    options: { token?: string; dir?: string } = {},
  ) {
    this.token = options.token ?? clientToken(options.dir);
    this.dir = options.dir;
    // A header can only carry visible ASCII; say which setting is wrong instead of a transport error.
    if (this.token !== undefined && !/^[\x21-\x7e]+$/.test(this.token)) {
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        "the API token (SLIPWAY_TOKEN or admin-token) is not a token",
      );
    }
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>("DELETE", path);
  }

  private async call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    let res: { statusCode: number; text: string };
    try {
      res = await httpRequest(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: 120_000,
      });
    } catch (error) {
      const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `cannot reach the Slipway server at ${this.baseUrl} (${cause}); start it with \`slipway up\` or set SLIPWAY_URL` +
          (process.env.SLIPWAY_URL ? "" : searchedFor(SERVER_INFO_FILE, this.dir)),
      );
    }
    const text = res.text;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `the server answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`,
      );
    }
    if (res.statusCode < 400) return payload as T;
    const err = (payload as { error?: { code?: string; message?: string; problems?: string[] } }).error;
    const code = (err?.code?.startsWith("SLIPWAY_") ? err.code : "SLIPWAY_UNAVAILABLE") as ErrorCode;
    const hint =
      res.statusCode === 401 && !this.token
        ? ` (set SLIPWAY_TOKEN, or run inside the project whose .slipway/admin-token the server wrote)${searchedFor(ADMIN_TOKEN_FILE, this.dir)}`
        : "";
    throw new SlipwayError(
      code,
      `${err?.message ?? `HTTP ${res.statusCode}`}${hint}`,
      err?.problems ? { problems: err.problems } : {},
    );
  }
}
