import { describe, expect, it } from "vitest";
import { Http1ResponseParser, ResponseParseError, type ResponseHead } from "./http1-response-parser.js";

interface Parsed {
  heads: ResponseHead[];
  body: string;
  ends: number;
}

function parser(): { parser: Http1ResponseParser; out: Parsed } {
  const out: Parsed = { heads: [], body: "", ends: 0 };
  const p = new Http1ResponseParser(
    {
      onHead: (head) => out.heads.push(head),
      onBody: (chunk) => (out.body += chunk.toString("latin1")),
      onEnd: () => out.ends++,
    },
    1024,
  );
  return { parser: p, out };
}

/** Parses `wire` fed as the given pieces; `close` ends the connection afterwards. */
function feed(method: string, pieces: string[], close = false): Parsed {
  const { parser: p, out } = parser();
  p.expect(method);
  for (const piece of pieces) p.execute(Buffer.from(piece, "latin1"));
  if (close) p.closed();
  return out;
}

/** Every way to cut `wire` in two, plus byte by byte. */
function splits(wire: string): string[][] {
  const out: string[][] = [[wire], [...wire]];
  for (let i = 1; i < wire.length; i++) out.push([wire.slice(0, i), wire.slice(i)]);
  return out;
}

const CASES: { name: string; method?: string; wire: string; close?: boolean; status: number; body: string }[] = [
  {
    name: "content-length",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\nhello",
    status: 200,
    body: "hello",
  },
  {
    name: "chunked with extensions and trailers",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n",
    status: 200,
    body: "hello, world!!!",
  },
  {
    name: "close-delimited",
    wire: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
    close: true,
    status: 200,
    body: "until the end",
  },
  {
    name: "100-continue then 103 then the answer",
    wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    status: 201,
    body: "ok",
  },
  { name: "HEAD", method: "HEAD", wire: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", status: 200, body: "" },
  { name: "204", wire: "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", status: 204, body: "" },
  { name: "304", wire: "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", status: 304, body: "" },
];

describe("Http1ResponseParser", () => {
  for (const c of CASES) {
    it(`reads a ${c.name} response split at every byte boundary`, () => {
      for (const pieces of splits(c.wire)) {
        const out = feed(c.method ?? "GET", pieces, c.close);
        expect(out.heads.map((h) => h.status), JSON.stringify(pieces)).toEqual([c.status]);
        expect(out.body).toBe(c.body);
        expect(out.ends).toBe(1);
      }
    });
  }

  it("keeps raw header pairs in order, repeated Set-Cookie included, and the status message", () => {
    const out = feed("GET", [CASES[0]!.wire]);
    expect(out.heads[0]).toEqual({
      status: 200,
      statusMessage: "OK",
      rawHeaders: ["Content-Length", "5", "Set-Cookie", "a=1", "set-cookie", "b=2"],
      keepAlive: true,
      keepAliveTimeout: undefined,
    });
  });

  it("tells whether the connection may be reused", () => {
    const head = (wire: string) => feed("GET", [wire], true).heads[0]!;
    expect(head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive).toBe(false);
    expect(head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive).toBe(false);
    expect(head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepAlive).toBe(true);
    expect(head("HTTP/1.1 200 OK\r\n\r\nbody").keepAlive).toBe(false);
    const hinted = head("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n");
    expect([hinted.keepAlive, hinted.keepAliveTimeout]).toEqual([true, 5]);
  });

  it("reads responses one after another on one connection", () => {
    const { parser: p, out } = parser();
    for (let i = 0; i < 3; i++) {
      p.expect("GET");
      p.execute(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${i}`));
    }
    expect([out.body, out.ends]).toEqual(["012", 3]);
  });

  it("reports a response cut short by the close", () => {
    const { parser: p, out } = parser();
    p.expect("GET");
    p.execute(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    expect(p.closed()).toBe(false);
    expect(out.ends).toBe(0);
  });

  const MALFORMED: [string, string][] = [
    ["a bad status line", "HTTP/2 200 OK\r\n\r\n"],
    ["a bad status code", "HTTP/1.1 2000 OK\r\n\r\n"],
    ["a header line without a colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"],
    ["a header name with a space", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"],
    ["an obs-folded header", "HTTP/1.1 200 OK\r\nA: b\r\n  c\r\n\r\n"],
    ["a bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"],
    ["conflicting content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"],
    ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["chunk data without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab"],
    ["a 101 to a plain request", "HTTP/1.1 101 Switching Protocols\r\n\r\n"],
    ["a head over the limit", `HTTP/1.1 200 OK\r\nX: ${"a".repeat(2000)}\r\n\r\n`],
    ["bytes after the response", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"],
  ];
  for (const [name, wire] of MALFORMED) {
    it(`refuses ${name}, whole or byte by byte`, () => {
      expect(() => feed("GET", [wire])).toThrow(ResponseParseError);
      expect(() => feed("GET", [...wire])).toThrow(ResponseParseError);
    });
  }

  it("refuses a head over the limit even with no end in sight", () => {
    expect(() => feed("GET", ["HTTP/1.1 200 OK\r\n", "X: " + "a".repeat(2000)])).toThrow(/too large/);
  });

  it("refuses bytes when no request is outstanding", () => {
    const { parser: p } = parser();
    expect(() => p.execute(Buffer.from("HTTP/1.1 200 OK\r\n\r\n"))).toThrow(ResponseParseError);
  });

  it("accepts identical repeated content-lengths", () => {
    const out = feed("GET", ["HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"]);
    expect([out.body, out.ends]).toEqual(["ok", 1]);
  });

  it("gives transfer-encoding precedence over content-length and does not reuse the connection", () => {
    const out = feed("GET", [
      "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    ]);
    expect([out.body, out.ends, out.heads[0]!.keepAlive]).toEqual(["ok", 1, false]);
  });
});
