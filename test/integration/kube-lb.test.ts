// kube-lb for real: the haproxy.cfg rendered for a worker, run by Debian's
// HAProxy with the unit's own arguments, in front of two TLS listeners that
// stand in for the masters' API servers (each serves the cluster's real
// API server certificate on its master's address and says its name). The
// client dials 127.0.0.1 and verifies that certificate against the cluster
// CA, as the kubelet does. One "master" stops: the connections it held are
// cut and new ones reach the other within seconds; it comes back and gets
// connections again.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlan, renderCluster, validateInventory, type Plan } from "@k8s/deploy";
import { buildPki, pkiItem, type Pki } from "../../packages/deploy/src/pki-build.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { withTempDir } from "../harness/fixtures.js";
import { freePort } from "../harness/ports.js";

const tmp = withTempDir("k8s-pki-kube-lb-");
const CFG = "/etc/k8s-pki/kube-lb/haproxy.cfg";
const MASTERS = [
  { name: "m1", address: "127.0.0.21" },
  { name: "m2", address: "127.0.0.22" },
];

let plan: Plan;
let pki: Pki;
let apiPort: number;
let lbPort: number;
let haproxy: ChildProcess;
let haproxyLog = "";
const listeners = new Map<string, { server: Server; sockets: Set<Socket> }>();
const clients: TLSSocket[] = [];

/** A stand-in API server on the master's address: TLS with the real certificate, answers with its name. */
function listen(master: { name: string; address: string }): Promise<void> {
  const cert = pkiItem(pki, "apiserver");
  const sockets = new Set<Socket>();
  const server = createServer({ cert: cert.cert, key: cert.key }, (s) => {
    s.on("error", () => undefined);
    s.write(`${master.name}\n`);
  });
  // Health checks and clients alike: every accepted socket, so a "stopped" master can keep the established ones.
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  listeners.set(master.name, { server, sockets });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(apiPort, master.address, () => ok());
  });
}

/** Stops accepting (new connects are refused) but leaves established connections open, as a hung-up master might. */
function stopAccepting(name: string): void {
  // The listening socket closes now; close()'s callback would wait for every open connection to end.
  listeners.get(name)!.server.close();
}

/** Connects through kube-lb as the kubelet does (127.0.0.1, the cluster CA) and reads which master answered. */
function dial(): Promise<{ name: string; socket: TLSSocket }> {
  return new Promise((ok, fail) => {
    const socket = connect({ host: "127.0.0.1", port: lbPort, ca: pkiItem(pki, "kubernetes-ca").cert });
    clients.push(socket);
    let buf = "";
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error("no answer through kube-lb within 5 s"));
    }, 5000);
    socket.on("data", (b: Buffer) => {
      buf += b.toString();
      if (buf.includes("\n")) {
        clearTimeout(timer);
        ok({ name: buf.trim(), socket });
      }
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    socket.once("end", () => {
      clearTimeout(timer);
      if (!buf.includes("\n")) fail(new Error("closed before any answer"));
    });
  });
}

const closed = (s: TLSSocket): Promise<void> => (s.destroyed || s.readyState === "closed" ? Promise.resolve() : new Promise((ok) => s.once("close", () => ok())));
const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

async function dialUntil(want: (name: string) => boolean, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    const r = await dial().catch(() => undefined);
    r?.socket.destroy();
    if (r !== undefined && want(r.name)) return Date.now() - t0;
    await sleep(200);
  }
  throw new Error(`not within ${withinMs} ms; haproxy said:\n${haproxyLog}`);
}

beforeAll(async () => {
  apiPort = await freePort();
  lbPort = await freePort();
  plan = buildPlan(
    validateInventory({
      clusterName: "lb",
      nodes: [
        { name: "m1", address: MASTERS[0]!.address, roles: ["etcd", "master"] },
        { name: "m2", address: MASTERS[1]!.address, roles: ["master"] },
        { name: "w1", address: "127.0.0.23", roles: ["worker"] },
      ],
      apiserver: { port: apiPort },
      loadBalancer: { port: lbPort },
    }),
  );
  expect(plan.inventory.loadBalancer.kind).toBe("haproxy");
  pki = await buildPki(plan);
  const w1 = renderCluster(plan, { pki }).find((n) => n.name === "w1")!;
  const text = (path: string): string => (w1.files.find((f) => f.path === path)!.content as Buffer).toString();
  const cfg = join(tmp.path, "haproxy.cfg");
  writeFileSync(cfg, text(CFG));
  for (const m of MASTERS) await listen(m);
  // The unit's own command line, with the config where this test wrote it.
  const [bin, ...args] = execStartOf(text("/etc/systemd/system/kube-lb.service")).map((a) => (a === CFG ? cfg : a));
  haproxy = spawn(bin!, args, { stdio: ["ignore", "pipe", "pipe"] });
  haproxy.stdout!.on("data", (b: Buffer) => (haproxyLog += b.toString()));
  haproxy.stderr!.on("data", (b: Buffer) => (haproxyLog += b.toString()));
  await dialUntil(() => true, 10_000);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  if (haproxy && haproxy.exitCode === null) {
    const exited = new Promise((ok) => haproxy.once("exit", ok));
    haproxy.kill("SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    if (haproxy.exitCode === null) haproxy.kill("SIGKILL");
  }
  for (const l of listeners.values()) {
    for (const s of l.sockets) s.destroy();
    l.server.close();
  }
});

describe("kube-lb in front of two API servers", () => {
  let held: { name: string; socket: TLSSocket }[] = [];

  it("spreads connections over both masters, each verified as the API server at 127.0.0.1", async () => {
    for (let i = 0; i < 4; i++) held.push(await dial());
    expect(held.map((h) => h.name).sort()).toEqual(["m1", "m1", "m2", "m2"]);
  });

  it("when one stops, cuts its connections and sends new ones to the other within seconds", async () => {
    const t0 = Date.now();
    stopAccepting("m2");
    // Right away, before the checks notice: a refused connect is retried on the other master.
    for (let i = 0; i < 3; i++) {
      const r = await dial();
      r.socket.destroy();
      expect(r.name).toBe("m1");
    }
    // The connections m2 still holds open are shut when the checks mark it down (2 failures, 2 s apart).
    const onM2 = held.filter((h) => h.name === "m2");
    await Promise.race([Promise.all(onM2.map((h) => closed(h.socket))), sleep(10_000)]);
    expect(onM2.map((h) => h.socket.destroyed || h.socket.readyState === "closed")).toEqual([true, true]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(haproxyLog).toMatch(/m2 is DOWN/);
    // m1's connections are untouched.
    for (const h of held.filter((x) => x.name === "m1")) expect(h.socket.destroyed).toBe(false);
    held = held.filter((h) => h.name === "m1");
  }, 30_000);

  it("sends connections to it again once it is back", async () => {
    await listen(MASTERS[1]!);
    // rise 2, inter 2s: about 4 s; leastconn then prefers it (m1 holds the open ones).
    const ms = await dialUntil((name) => name === "m2", 15_000);
    expect(ms).toBeLessThan(15_000);
    expect(haproxyLog).toMatch(/m2 is UP/);
  }, 30_000);
});
