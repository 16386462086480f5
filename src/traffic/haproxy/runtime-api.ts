import { createConnection } from "node:net";

/**
 * HAProxy's Runtime API over its master CLI socket: one command per connection. `@!<pid> <cmd>`
 * addresses one worker (the current one, or an older one still finishing requests after a reload).
 */
export async function runtimeCommand(socket: string, command: string, timeoutMs = 5_000): Promise<string> {
  return await new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    const conn = createConnection(socket);
    const timer = setTimeout(() => {
      conn.destroy();
      fail(new Error(`HAProxy did not answer "${command}" on ${socket} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on("connect", () => conn.end(`${command}\n`));
    conn.on("data", (chunk: Buffer) => chunks.push(chunk));
    conn.on("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    conn.on("close", () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

export interface Workers {
  current: number[];
  old: number[];
  /** Failed reloads since the master started. */
  failedReloads: number;
}

/** Parses the master CLI's `show proc`. */
export function parseShowProc(text: string): Workers {
  const workers: Workers = { current: [], old: [], failedReloads: 0 };
  let section: "master" | "current" | "old" | "other" = "master";
  for (const line of text.split("\n")) {
    if (line.startsWith("# workers")) section = "current";
    else if (line.startsWith("# old workers")) section = "old";
    else if (line.startsWith("#")) section = section === "master" ? "master" : "other";
    const failed = /\[failed: (\d+)\]/.exec(line);
    if (failed && / master /.test(line)) workers.failedReloads = Number(failed[1]);
    const pid = /^(\d+)\s+worker\b/.exec(line);
    if (!pid) continue;
    if (section === "current") workers.current.push(Number(pid[1]));
    if (section === "old") workers.old.push(Number(pid[1]));
  }
  return workers;
}

export interface ServerStat {
  backend: string;
  server: string;
  /** Streams on the server now, and queued for it. */
  current: number;
  queued: number;
  status: string;
}

/** Parses `show stat` CSV (server rows only). */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split("\n").filter((l) => l !== "");
  const header = lines[0]?.replace(/^# /, "").split(",") ?? [];
  const col = (name: string) => header.indexOf(name);
  const [px, sv, scur, qcur, status] = [
    col("pxname"),
    col("svname"),
    col("scur"),
    col("qcur"),
    col("status"),
  ];
  const rows: ServerStat[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    const server = f[sv] ?? "";
    if (server === "FRONTEND" || server === "BACKEND" || server === "") continue;
    rows.push({
      backend: f[px] ?? "",
      server,
      current: Number(f[scur] ?? 0) || 0,
      queued: Number(f[qcur] ?? 0) || 0,
      status: f[status] ?? "",
    });
  }
  return rows;
}

/** Parses `show sess`: each stream's id and where it goes. */
export function parseShowSess(text: string): { id: string; backend: string; server: string }[] {
  const streams: { id: string; backend: string; server: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(0x[0-9a-f]+):.* be=(\S+) srv=(\S+)/.exec(line);
    if (m) streams.push({ id: m[1]!, backend: m[2]!, server: m[3]! });
  }
  return streams;
}
