// The approver's HTTP endpoints for kubelet probes and Prometheus: /livez,
// /healthz, /readyz and /metrics.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { processEventLoopWatch, type EventLoopWatch } from "./event-loop-watch.js";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics.js";

/** /livez fails once the event loop has stalled this long within the watch's window (default 5 s). */
export const DEFAULT_MAX_EVENT_LOOP_STALL_MS = 5_000;

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (see {@link HealthServer.port}). */
  port: number;
  /** Default "0.0.0.0": probes come from the kubelet over the pod IP. */
  host?: string;
  /** Ready to serve: e.g. the CSR cache has synced. False or a throw → 503. */
  readyz: () => boolean;
  /**
   * Alive: default, the event loop has not stalled longer than
   * `maxEventLoopStallMs` lately (a process that answers at all is running).
   * False or a throw → 500 on /livez and /healthz, which makes the kubelet restart the pod.
   */
  livez?: () => boolean;
  /** Same as `livez` unless given: /healthz is the older name Kubernetes components keep answering. */
  healthz?: () => boolean;
  /** See {@link DEFAULT_MAX_EVENT_LOOP_STALL_MS}. */
  maxEventLoopStallMs?: number;
  /** Default: the process-wide watch. */
  eventLoop?: EventLoopWatch;
  /** The Prometheus exposition text. */
  metrics: () => string;
}

/** A running health server. */
export interface HealthServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly host: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";

function send(req: IncomingMessage, res: ServerResponse, status: number, body: string, contentType = TEXT, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store", ...headers });
  res.end(req.method === "HEAD" ? undefined : body);
}

// A probe function that throws must read as "not ok", never crash the server.
function check(fn: () => boolean): boolean {
  try {
    return fn() === true;
  } catch {
    return false;
  }
}

/** Starts the HTTP server; resolves once it listens. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const host = opts.host ?? "0.0.0.0";
  const loop = opts.eventLoop ?? processEventLoopWatch();
  const maxStall = opts.maxEventLoopStallMs ?? DEFAULT_MAX_EVENT_LOOP_STALL_MS;
  const livez = opts.livez ?? (() => loop.lag().recentMaxMs <= maxStall);
  const healthz = opts.healthz ?? livez;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const known = path === "/livez" || path === "/healthz" || path === "/readyz" || path === "/metrics";
    if (!known) return send(req, res, 404, "not found\n");
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405, "method not allowed\n", TEXT, { Allow: "GET, HEAD" });
    switch (path) {
      case "/livez":
        return check(livez) ? send(req, res, 200, "ok") : send(req, res, 500, "unhealthy");
      case "/healthz":
        return check(healthz) ? send(req, res, 200, "ok") : send(req, res, 500, "unhealthy");
      case "/readyz":
        return check(opts.readyz) ? send(req, res, 200, "ok") : send(req, res, 503, "not ready");
      default: {
        let body: string;
        try {
          body = opts.metrics();
        } catch (e) {
          return send(req, res, 500, `metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
        }
        return send(req, res, 200, body, PROMETHEUS_CONTENT_TYPE);
      }
    }
  });
  // Probes are tiny; a stuck client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (Prometheus keeps one open) would hold close() forever.
        server.closeAllConnections();
      })),
  };
}
