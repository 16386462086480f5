import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { isFullSha, type RemoteUse } from "../core/workflow/action-ref.js";

const execFileAsync = promisify(execFile);

/** A remote action ready to run: its directory in the actions cache and the commit it is. */
export interface ResolvedAction {
  /** Directory holding action.yml (the repository's root, or `path` below it). */
  dir: string;
  sha: string;
}

/** Marker written last into a cached checkout: present means complete and verified. */
const COMPLETE = ".slipway-action";
/** How long a git command against the actions server may take. */
const GIT_TIMEOUT_MS = 120_000;

/**
 * Remote actions (`owner/repo[/path]@ref`) as GitHub's self-hosted runner gets them: the ref is
 * resolved to a commit on the server, the commit is fetched (git checks every object's hash, and
 * the fetched commit must be the resolved SHA) and kept under `<cacheDir>/actions/<host>/<owner>/<repo>/<sha>`
 * for every later run. A SHA-pinned `uses:` found in the cache needs no network at all.
 * One instance per run: matrix legs using the same action share one resolution and one download.
 */
export class RemoteActions {
  private readonly resolving = new Map<string, Promise<ResolvedAction>>();

  constructor(
    private readonly options: { serverUrl: string; cacheDir: string; token?: string | undefined },
  ) {}

  /** Resolves and, when not cached yet, downloads `use`; `log` tells what happened as GitHub's runner does. */
  get(use: RemoteUse, log: (line: string) => void): Promise<ResolvedAction> {
    const key = `${use.owner}/${use.repo}@${use.ref}`.toLowerCase();
    let pending = this.resolving.get(key);
    if (!pending) {
      pending = this.fetch(use, log);
      this.resolving.set(key, pending);
      // A failure (server down) is not remembered: a later step may try again.
      pending.catch(() => this.resolving.delete(key));
    }
    return pending.then((resolved) => ({ ...resolved, dir: join(resolved.dir, use.path) }));
  }

  private async fetch(use: RemoteUse, log: (line: string) => void): Promise<ResolvedAction> {
    const name = `${use.owner}/${use.repo}`;
    const url = `${this.options.serverUrl}/${name}`;
    const repoDir = join(
      this.options.cacheDir,
      "actions",
      hostKey(this.options.serverUrl),
      name.toLowerCase(),
    );
    const sha = await this.resolveSha(use, url, repoDir, log);
    const dir = join(repoDir, sha);
    if (existsSync(join(dir, COMPLETE))) {
      log(`Using action '${name}@${use.ref}' (SHA:${sha}) from the actions cache ${dir}`);
      return { dir, sha };
    }
    log(`Download action repository '${name}@${use.ref}' (SHA:${sha}) from ${this.options.serverUrl}`);
    mkdirSync(repoDir, { recursive: true });
    const temp = mkdtempSync(join(repoDir, ".download-"));
    try {
      await this.git(temp, ["init", "-q"]);
      try {
        await this.git(temp, ["fetch", "-q", "--depth", "1", "--no-tags", url, sha]);
      } catch (error) {
        // A pinned SHA has no ref to fall back on: say what is missing (the commit, or the whole
        // repository), not git's protocol words.
        if (isFullSha(use.ref)) {
          const why = firstLine((error as Error).message);
          const hasRepository = await this.git(undefined, ["ls-remote", "--heads", url]).then(
            () => true,
            () => false,
          );
          throw new Error(
            hasRepository
              ? `cannot download ${name}@${use.ref} from ${url}: the server has the repository but not that commit (${why})`
              : `cannot download ${name}@${use.ref} from ${url}: the server has no repository ${name}, or cannot be reached (${why})`,
            { cause: error },
          );
        }
        // Servers that refuse a SHA in "want" (protocol v0 without allowReachableSHA1InWant): fetch the ref.
        await this.git(temp, ["fetch", "-q", "--depth", "1", "--no-tags", url, use.ref]);
      }
      const fetched = await this.git(temp, ["rev-parse", "FETCH_HEAD^{commit}"]);
      if (fetched !== sha) {
        throw new Error(
          `${name}@${use.ref}: the server sent commit ${fetched}, but the ref resolved to ${sha}; refusing to run it`,
        );
      }
      await this.git(temp, ["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", "FETCH_HEAD"]);
      rmSync(join(temp, ".git"), { recursive: true, force: true });
      writeFileSync(join(temp, COMPLETE), `${sha}\n`);
      try {
        renameSync(temp, dir);
      } catch (error) {
        // Another run put the same commit there first: theirs is as good as ours.
        if (!existsSync(join(dir, COMPLETE))) throw error;
      }
      return { dir, sha };
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }

  /**
   * The commit `use.ref` names on the server: a full SHA as it is; otherwise a tag (peeled) before a
   * branch, as git and GitHub do. When the server cannot be reached, the last resolution recorded in
   * the cache is used, with a warning, so a cached action keeps working offline.
   */
  private async resolveSha(
    use: RemoteUse,
    url: string,
    repoDir: string,
    log: (line: string) => void,
  ): Promise<string> {
    if (isFullSha(use.ref)) return use.ref.toLowerCase();
    const refsFile = join(repoDir, "refs.json");
    let listing: string;
    try {
      listing = await this.git(undefined, [
        "ls-remote",
        url,
        `refs/tags/${use.ref}`,
        `refs/tags/${use.ref}^{}`,
        `refs/heads/${use.ref}`,
      ]);
    } catch (error) {
      const known = readRefs(refsFile)[use.ref];
      if (known) {
        log(
          `Warning: cannot reach ${url} (${firstLine((error as Error).message)}); using ${use.ref} = ${known}, as last resolved`,
        );
        return known;
      }
      throw new Error(
        `cannot resolve ${use.owner}/${use.repo}@${use.ref} on ${url}: ${firstLine((error as Error).message)}`,
        { cause: error },
      );
    }
    const refs = new Map(
      listing
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const [sha = "", ref = ""] = line.split("\t");
          return [ref, sha] as const;
        }),
    );
    const sha =
      refs.get(`refs/tags/${use.ref}^{}`) ??
      refs.get(`refs/tags/${use.ref}`) ??
      refs.get(`refs/heads/${use.ref}`);
    if (!sha) {
      throw new Error(
        `${use.owner}/${use.repo}@${use.ref}: no tag or branch '${use.ref}' on ${url} (pin a tag, a branch or a full commit SHA)`,
      );
    }
    mkdirSync(repoDir, { recursive: true });
    writeFileSync(refsFile, JSON.stringify({ ...readRefs(refsFile), [use.ref]: sha }, null, 2));
    return sha;
  }

  private async git(cwd: string | undefined, args: string[]): Promise<string> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      // Never wait for a password prompt: a missing repository answers 401 on GitHub.
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "fetch.fsckObjects",
      GIT_CONFIG_VALUE_0: "true",
    };
    if (this.options.token) {
      const basic = Buffer.from(`x-access-token:${this.options.token}`).toString("base64");
      env.GIT_CONFIG_COUNT = "2";
      env.GIT_CONFIG_KEY_1 = "http.extraHeader";
      env.GIT_CONFIG_VALUE_1 = `Authorization: Basic ${basic}`;
    }
    try {
      const { stdout } = await execFileAsync("git", args, {
        ...(cwd ? { cwd } : {}),
        env,
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout.trim();
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
      throw new Error(`git ${args[0]}: ${stderr || (error as Error).message}`, { cause: error });
    }
  }
}

/** `https://github.com` → `github.com`; `http://127.0.0.1:8080` → `127.0.0.1_8080`. */
function hostKey(serverUrl: string): string {
  try {
    return new URL(serverUrl).host.replace(/[^A-Za-z0-9.-]/g, "_");
  } catch {
    return serverUrl.replace(/[^A-Za-z0-9.-]/g, "_");
  }
}

function readRefs(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "") ?? text;
}
