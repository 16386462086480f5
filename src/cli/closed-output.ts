/** A registry symbol: the same in every bundle of the CLI loaded into one process. */
const GUARDED = Symbol.for("slipway.dropOutputWhenClosed");

/**
 * `slipway history | head -1`: the reader goes away and the next write fails with EPIPE. Without a
 * listener that error is thrown from the stream and the command dies with a stack trace, halfway
 * through whatever it was doing (a workflow run left "running" with its worktrees behind).
 *
 * Instead every command ends the way it would with a terminal: output to a closed stream is dropped
 * from then on, the command finishes its work (a run runs to completion, records its real
 * conclusion and cleans up) and exits with its own status.
 */
export function dropOutputWhenClosed(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    // Once per stream: the launcher (launch.ts) and the full CLI (main.ts), two bundles, both ask.
    const marked = stream as NodeJS.WriteStream & { [GUARDED]?: true };
    if (marked[GUARDED]) continue;
    marked[GUARDED] = true;
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
      // Later writes (and their callbacks) become no-ops: nothing reads them any more.
      stream.write = (_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
        const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      };
    });
  }
}
