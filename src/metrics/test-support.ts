import { createServer } from "node:net";

/** A loopback port nobody listens on (bound then released), for "unreachable" tests. */
export async function freePortForTest(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
