// One HTTPS request with explicit trust and client credentials, no pooling:
// each probe is a fresh TLS handshake, so a refused certificate shows up as
// the handshake error it is rather than being hidden by a reused connection.
import { request } from "node:https";
import type { LookupFunction } from "node:net";

export interface TlsCredentials {
  /** CA bundle that must have issued the server certificate. */
  ca?: string;
  /** Client certificate and key, PEM. */
  cert?: string;
  key?: string;
}

export interface HttpsRequestOptions extends TlsCredentials {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Resolve the URL's host name to this address, as a DNS record only this client sees would. */
  resolveTo?: string;
}

function fixedLookup(address: string): LookupFunction {
  // Node asks for every address (`all`) when it races address families.
  return ((_host: string, o: { all?: boolean }, cb: (...args: unknown[]) => void): void => {
    if (o.all) cb(null, [{ address, family: 4 }]);
    else cb(null, address, 4);
  }) as LookupFunction;
}

export interface HttpsResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpsRequest(url: string, opts: HttpsRequestOptions = {}): Promise<HttpsResponse> {
  const { method = "GET", headers = {}, body, timeoutMs = 5_000, ca, cert, key, resolveTo } = opts;
  return new Promise((resolve, reject) => {
    const lookup = resolveTo === undefined ? {} : { lookup: fixedLookup(resolveTo) };
    const req = request(url, { method, headers, ca, cert, key, agent: false, timeout: timeoutMs, ...lookup }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
