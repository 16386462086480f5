/**
 * One HTTP(S) request with node:http, body read whole: what the CLI's API client needs. node:http
 * (loaded on the first request) rather than undici or fetch, whose load costs a CLI command more
 * than the request itself; through process.getBuiltinModule, which a CommonJS bundle (dist/launch.cjs)
 * loads without starting Node's ESM loader as `import()` would. Rejects with the socket's error (`code` such as ECONNREFUSED), or
 * ETIMEDOUT when the server is silent for `timeoutMs`.
 */
export async function httpRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<{ statusCode: number; text: string }> {
  const target = new URL(url);
  const { request } =
    target.protocol === "https:"
      ? process.getBuiltinModule("node:https")
      : process.getBuiltinModule("node:http");
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method,
        headers: {
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { "content-length": String(Buffer.byteLength(options.body)) }),
        },
        // No keep-alive pool: a CLI command makes a request or a few and exits.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no answer in ${options.timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
