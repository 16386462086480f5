import { watch, type FSWatcher } from "node:fs";
import { createServer } from "node:http";
import { basename, dirname, resolve } from "node:path";
import { isSlipwayError } from "../core/errors.js";
import { loadFlagFiles, type LoadedFlags } from "./load.js";
import { createFlagDocumentHandler } from "./document.js";
import { createOfrepHandler } from "./ofrep.js";

/** flagd serves OFREP on 8016; the standalone flag server takes the same port by default. */
export const FLAGS_SERVE_DEFAULTS = { host: "127.0.0.1", port: 8016, reloadDebounceMs: 100 } as const;

export interface FlagServerOptions {
  files: readonly string[];
  port?: number;
  /** One line per event (reloads, refused edits); the CLI writes them to stderr. */
  log: (line: string) => void;
}

export interface FlagServer {
  url: string;
  /** The flags being served now. */
  current: () => LoadedFlags;
  close: () => Promise<void>;
}

function describeFailure(error: unknown): string {
  if (!isSlipwayError(error)) return String(error);
  return [error.message, ...(error.details.problems ?? []).map((p) => `  ${p}`)].join("\n");
}

/**
 * A flag server for services that only want flags (what `flagd start` is): OFREP on loopback, no
 * authentication, the files reloaded when they change. An edit that does not validate is refused
 * and logged with its location; the previous flags keep serving. Throws if the files are invalid
 * at start.
 */
export async function startFlagServer(options: FlagServerOptions): Promise<FlagServer> {
  const files = options.files.map((f) => resolve(f));
  let loaded = loadFlagFiles(files);
  const ofrep = createOfrepHandler({ flags: () => loaded.compiled });
  const flagDocument = createFlagDocumentHandler({ sets: () => loaded.sets });

  const server = createServer((req, res) => {
    ofrep(req, res)
      .then((handled) => handled || flagDocument(req, res))
      .then((handled) => {
        if (handled) return;
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            errorDetails: "not found: this server answers OFREP under /ofrep/v1/ and GET /api/flags/document",
          }),
        );
      })
      .catch((error: unknown) => {
        options.log(`flags: internal error answering ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errorDetails: "internal error" }));
      });
  });

  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    try {
      loaded = loadFlagFiles(files);
      options.log(`flags: reloaded ${loaded.compiled.flags.size} flags from ${files.length} file(s)`);
    } catch (error) {
      options.log(`flags: refused the change, still serving the previous flags: ${describeFailure(error)}`);
    }
  };
  // Editors often save by writing a new file and renaming it over the old one, which ends a watch
  // on the file itself; watching the directories and filtering by name survives that.
  const names = new Set(files.map((f) => basename(f)));
  const watchers: FSWatcher[] = [...new Set(files.map((f) => dirname(f)))].map((dir) =>
    watch(dir, (_event, filename) => {
      if (filename !== null && !names.has(filename)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, FLAGS_SERVE_DEFAULTS.reloadDebounceMs);
    }),
  );

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? FLAGS_SERVE_DEFAULTS.port, FLAGS_SERVE_DEFAULTS.host, () =>
      resolveListen(),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://${FLAGS_SERVE_DEFAULTS.host}:${port}`,
    current: () => loaded,
    close: async () => {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
