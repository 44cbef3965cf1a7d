// The HTTP GET the smoke pods make with busybox nc, and the reading of its raw answer.
import { describe, expect, it } from "vitest";
import { httpGetCommand, parseHttpAnswer, type HttpAnswer } from "../../../packages/deploy/src/workflows/smoke-http.js";

describe("httpGetCommand", () => {
  it("pipes an HTTP/1.0 request into nc with a 3 s timeout", () => {
    expect(httpGetCommand("10.1.2.5", 8080)).toEqual(["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 10.1.2.5 8080"]);
  });
});

describe("parseHttpAnswer", () => {
  // What busybox httpd -f sends for a one-line index.html.
  const httpd = "HTTP/1.0 200 OK\r\nContent-type: text/html\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\nConnection: close\r\nAccept-Ranges: bytes\r\nLast-Modified: Tue, 01 Dec 2026 09:59:58 GMT\r\nContent-Length: 17\r\n\r\nsmoke-7d9f-node2\n";
  it.each<{ what: string; raw: string; want: HttpAnswer }>([
    { what: "busybox httpd's answer", raw: httpd, want: { ok: true, status: 200, body: "smoke-7d9f-node2\n" } },
    { what: "a 404", raw: "HTTP/1.0 404 Not Found\r\nContent-type: text/html\r\n\r\n<HTML>404</HTML>\n", want: { ok: true, status: 404, body: "<HTML>404</HTML>\n" } },
    { what: "bare newlines", raw: "HTTP/1.1 200 OK\nContent-Length: 3\n\nab\n", want: { ok: true, status: 200, body: "ab\n" } },
    { what: "nothing (nc timed out)", raw: "", want: { ok: false, reason: "no answer" } },
    { what: "not HTTP", raw: "SSH-2.0-OpenSSH_9.2\r\n", want: { ok: false, reason: 'not an HTTP answer: "SSH-2.0-OpenSSH_9.2\\r\\n"' } },
    { what: "cut inside the headers", raw: "HTTP/1.0 200 OK\r\nContent-type: text/html\r\n", want: { ok: false, reason: "the answer ends inside its headers" } },
  ])("$what", ({ raw, want }) => {
    expect(parseHttpAnswer(raw)).toEqual(want);
  });
});
