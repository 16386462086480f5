import { createSocket, type Socket } from "node:dgram";

/** One request as HAProxy logged it (log-format of config.ts). */
export interface RequestLog {
  pid: number;
  backend: string;
  server: string;
  status: number;
  /** Microseconds from the request to the end of its response. */
  elapsedUs: number;
  /** Termination state (%tsc); "K..." = killed by the Runtime API (the drain deadline). */
  termination: string;
  /** The path of a `sync` frontend request (the log barrier), else undefined. */
  sync?: string;
}

// "<134>Dec  6 10:11:42 haproxy[14007]: slw r_abc s_def 200 1234 ----"
const LINE = /haproxy\[(\d+)\]: slw (\S+) (\S+) (-?\d+) (-?\d+) (\S+)/;

export function parseLogLine(line: string): RequestLog | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return {
    pid: Number(m[1]),
    backend: m[2]!,
    server: m[3]!,
    status: Number(m[4]),
    elapsedUs: Math.max(0, Number(m[5])),
    termination: m[6]!,
  };
}

/**
 * Receives HAProxy's request log over UDP on loopback (one datagram per request): the exact
 * per-request times the analysis needs, which HAProxy's own counters only give as averages.
 */
export class LogCollector {
  private socket: Socket | undefined;

  constructor(private readonly onRequest: (entry: RequestLog) => void) {}

  async listen(port = 0): Promise<number> {
    const socket = createSocket("udp4");
    this.socket = socket;
    socket.on("message", (message: Buffer) => {
      const entry = parseLogLine(message.toString("utf8"));
      if (entry) this.onRequest(entry);
    });
    await new Promise<void>((done, fail) => {
      socket.once("error", fail);
      socket.bind(port, "127.0.0.1", () => {
        socket.removeListener("error", fail);
        done();
      });
    });
    // Bursts of log lines must not be dropped by a small default receive buffer.
    try {
      socket.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      // the kernel caps it (net.core.rmem_max); the default still works at moderate rates
    }
    return socket.address().port;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
