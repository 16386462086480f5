// A real git smart-HTTP server on loopback for tests: `git http-backend` (the CGI program git
// ships) behind a tiny node http server on an ephemeral port. Repositories are bare directories
// under `root` named `<owner>/<repo>`, so `http://127.0.0.1:<port>/<owner>/<repo>` clones.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Ada",
  GIT_COMMITTER_EMAIL: "ada@example.com",
};

export interface GitServer {
  url: string;
  /** Every request path the server answered (to count clones/fetches). */
  requests: string[];
  /** Creates (or adds a commit to) `owner/repo` with these files; tags it when `tag` is given; returns the commit. */
  publish(name: string, files: Record<string, string>, options?: { tag?: string; branch?: string }): string;
  close(): Promise<void>;
}

export async function startGitServer(): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), "slipway-git-server-"));
  const work = mkdtempSync(join(tmpdir(), "slipway-git-work-"));
  const backend = join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const child = spawn(backend, [], {
      env: {
        PATH: process.env.PATH ?? "",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
        REMOTE_ADDR: "127.0.0.1",
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(child.stdin);
    // CGI output: headers, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      res.write(head.subarray(end + 4));
    });
    child.on("close", () => res.end());
    child.on("error", () => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const git = (cwd: string, ...args: string[]): string =>
    execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" }).trim();

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    publish(name, files, options = {}) {
      const bare = join(root, name);
      const checkout = join(work, name);
      const branch = options.branch ?? "main";
      if (!existsSync(bare)) {
        mkdirSync(bare, { recursive: true });
        git(bare, "init", "-q", "--bare", "-b", "main");
        mkdirSync(checkout, { recursive: true });
        git(checkout, "init", "-q", "-b", "main");
        git(checkout, "remote", "add", "origin", bare);
      }
      const current = git(checkout, "branch", "--show-current");
      if (current !== branch) {
        const exists = git(checkout, "branch", "--list", branch) !== "";
        git(checkout, "checkout", "-q", ...(exists ? [branch] : ["-b", branch]));
      }
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(checkout, path)), { recursive: true });
        writeFileSync(join(checkout, path), content);
      }
      git(checkout, "add", "-A");
      git(checkout, "commit", "-q", "--allow-empty", "-m", "publish");
      if (options.tag) git(checkout, "tag", "-f", options.tag);
      git(checkout, "push", "-q", "-f", "origin", branch, ...(options.tag ? ["--tags"] : []));
      return git(checkout, "rev-parse", "HEAD");
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      rmSync(root, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}
