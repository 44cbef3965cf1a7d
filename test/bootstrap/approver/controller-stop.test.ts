// Approver.stop() with an API server that cannot be reached (issue #14,
// defect 4): a closed port (every request refused, the watch in backoff) and
// a blackhole (connections accepted, never answered, requests in flight).
// Whatever the mode, stop() returns within a couple of seconds.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { Approver, createLogger, resolveApproverConfig } from "@k8s/bootstrap";

let blackhole: Server;
const held: Socket[] = [];
let blackholePort = 0;
let closedPort = 0;

beforeAll(async () => {
  blackhole = createServer((s) => {
    held.push(s);
    s.pause();
  });
  await new Promise<void>((ok) => blackhole.listen(0, "127.0.0.1", ok));
  blackholePort = (blackhole.address() as { port: number }).port;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, "127.0.0.1", ok));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((ok) => probe.close(ok));
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((ok) => blackhole.close(ok));
});

function kubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "not-a-real-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

describe("Approver.stop", () => {
  it.each([
    { at: "a closed port", kind: "closed", leaderElect: false },
    { at: "a closed port", kind: "closed", leaderElect: true },
    { at: "a blackhole", kind: "blackhole", leaderElect: false },
    { at: "a blackhole", kind: "blackhole", leaderElect: true },
  ] as const)("returns within 2.5 s with the API server at $at (leader election: $leaderElect)", async ({ kind, leaderElect }) => {
    const lines: string[] = [];
    const config = resolveApproverConfig({ leaderElect, listen: "127.0.0.1:0", identity: "stop-test" });
    const a = new Approver({ kubeConfig: kubeConfig(kind === "closed" ? closedPort : blackholePort), config, logger: createLogger("json", (l) => void lines.push(l)), serve: false });
    await a.start();
    // Long enough for the first LIST (and lease request) to fail or hang, and the backoff to begin.
    await new Promise((ok) => setTimeout(ok, 1_200));
    const t0 = performance.now();
    // Raced with a timer so that a stop() that hangs fails here, not at the test timeout.
    await Promise.race([a.stop(), new Promise((ok) => setTimeout(ok, 5_000).unref())]);
    const took = performance.now() - t0;
    expect(took, lines.join("")).toBeLessThan(2_500);
    expect(a.isLeader()).toBe(false);
  });
});
