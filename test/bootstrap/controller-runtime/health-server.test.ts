import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer, type HealthServer } from "../../../packages/bootstrap/src/controller-runtime/health-server.js";

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

function call(port: number, path: string, method = "GET", agent?: import("node:http").Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("startHealthServer", () => {
  it("binds port 0 to a free port and serves /healthz, /readyz and /metrics", async () => {
    let ready = false;
    server = await startHealthServer({ port: 0, host: "127.0.0.1", readyz: () => ready, metrics: () => "# TYPE up gauge\nup 1\n" });
    expect(server.port).toBeGreaterThan(0);
    expect(await call(server.port, "/healthz")).toMatchObject({ status: 200, body: "ok" });
    expect(await call(server.port, "/readyz")).toMatchObject({ status: 503, body: "not ready" });
    ready = true;
    expect(await call(server.port, "/readyz")).toMatchObject({ status: 200, body: "ok" });
    expect(await call(server.port, "/metrics")).toEqual({ status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: "# TYPE up gauge\nup 1\n" });
  });

  it("answers 500 when healthz fails or throws, and 503 when readyz throws", async () => {
    let healthy: () => boolean = () => false;
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      healthz: () => healthy(),
      readyz: () => {
        throw new Error("boom");
      },
      metrics: () => "",
    });
    expect((await call(server.port, "/healthz")).status).toBe(500);
    healthy = () => {
      throw new Error("boom");
    };
    expect((await call(server.port, "/healthz")).status).toBe(500);
    expect((await call(server.port, "/readyz")).status).toBe(503);
  });

  it("answers 404 for other paths, 405 for other methods, ignores query strings and supports HEAD", async () => {
    server = await startHealthServer({ port: 0, host: "127.0.0.1", readyz: () => true, metrics: () => "m 1\n" });
    expect((await call(server.port, "/")).status).toBe(404);
    expect((await call(server.port, "/metricsx")).status).toBe(404);
    expect((await call(server.port, "/healthz", "POST")).status).toBe(405);
    expect(await call(server.port, "/readyz?verbose")).toMatchObject({ status: 200, body: "ok" });
    expect(await call(server.port, "/metrics", "HEAD")).toMatchObject({ status: 200, body: "" });
  });

  it("answers 500 when rendering metrics throws", async () => {
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      readyz: () => true,
      metrics: () => {
        throw new Error("collector broke");
      },
    });
    expect(await call(server.port, "/metrics")).toMatchObject({ status: 500, body: "metrics failed: collector broke\n" });
  });

  it("close() returns promptly even with a keep-alive connection open, and frees the port", async () => {
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true });
    const s = await startHealthServer({ port: 0, host: "127.0.0.1", readyz: () => true, metrics: () => "" });
    expect((await call(s.port, "/healthz", "GET", agent)).status).toBe(200);
    const t0 = Date.now();
    await s.close();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(call(s.port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
    // The same port can be bound again.
    server = await startHealthServer({ port: s.port, host: "127.0.0.1", readyz: () => true, metrics: () => "" });
    expect(server.port).toBe(s.port);
  });

  it("rejects when the port is taken", async () => {
    server = await startHealthServer({ port: 0, host: "127.0.0.1", readyz: () => true, metrics: () => "" });
    await expect(startHealthServer({ port: server.port, host: "127.0.0.1", readyz: () => true, metrics: () => "" })).rejects.toThrow(/EADDRINUSE/);
  });
});
