// One HTTPS request with explicit trust and credentials and no connection
// reuse, for verify and the readiness checks of a rolling restart: each probe
// is a fresh handshake, so a component that restarted is really asked again.
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";

export interface Resp {
  status: number;
  body: string;
  /** For the clock check: the Date header. */
  headers: IncomingHttpHeaders;
}

export function https(url: string, o: { ca?: string; cert?: string; key?: string; method?: string; body?: string; insecure?: boolean; timeoutMs: number }): Promise<Resp> {
  return new Promise((ok, fail) => {
    const req = request(
      url,
      {
        method: o.method ?? "GET",
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        agent: false,
        timeout: o.timeoutMs,
        rejectUnauthorized: o.insecure !== true,
        headers: o.body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", fail);
        res.on("end", () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${o.timeoutMs} ms`)));
    req.on("error", fail);
    req.end(o.body);
  });
}

