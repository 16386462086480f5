import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers request number `n` (1-based). */
export type Script = (
  n: number,
) => { status: number; headers?: Record<string, string>; body?: string } | "hang";

/**
 * A real HTTP receiver on 127.0.0.1, scripted per request: "fail N times then succeed" is
 * `(n) => ({ status: n <= N ? 503 : 200 })`. Records every request it gets.
 */
export async function startReceiver(initial: Script): Promise<{
  url: (path?: string) => string;
  requests: ReceivedRequest[];
  setScript: (script: Script) => void;
  close: () => Promise<void>;
}> {
  let script = initial;
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const answer = script(requests.length);
      if (answer === "hang") return; // never answer: the sender's timeout must fire
      res.writeHead(answer.status, answer.headers).end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    requests,
    setScript: (next) => (script = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
