/** Free TCP ports on the loopback interface, asked of the kernel (listen on port 0). */
import net from "node:net";

function listenOnce(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** True when nothing listens on host:port right now. */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  return (await listenOnce(host, port)) === port;
}

/**
 * A port that is free now and not in `reserved` (ports our own instances hold, even while they are
 * restarting and not listening). The kernel may hand the same ephemeral port out twice in a row,
 * hence the retry loop.
 */
export async function allocatePort(host: string, reserved: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await listenOnce(host, 0);
    if (port !== undefined && !reserved.has(port)) return port;
  }
  throw new Error(`no free port found on ${host} after 50 attempts`);
}
