// `k8s-pki approver run` stops on SIGTERM and SIGINT within a couple of
// seconds whatever the API server does (issue #14, defect 4): the built CLI
// as a child process, as systemd or the kubelet runs it, pointed at a closed
// port (requests refused, the watch and the lease in backoff) and at a
// blackhole (connections accepted, never answered: requests in flight), with
// and without leader election.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { k8sPkiCommand } from "../helpers/cfssl.js";
import { tempDir } from "../helpers/exec.js";

const work = tempDir("k8s-pki-approver-signals-");
let blackhole: Server;
const held: Socket[] = [];
const kubeconfigs: Record<"closed" | "blackhole", string> = { closed: "", blackhole: "" };

const kubeconfig = (port: number): string =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    `    server: https://127.0.0.1:${port}`,
    "    insecure-skip-tls-verify: true",
    "users:",
    "- name: u",
    "  user:",
    "    token: not-a-real-token",
    "contexts:",
    "- name: x",
    "  context: {cluster: c, user: u}",
    "current-context: x",
    "",
  ].join("\n");

beforeAll(async () => {
  blackhole = createServer((s) => {
    held.push(s);
    s.pause();
  });
  await new Promise<void>((ok) => blackhole.listen(0, "127.0.0.1", ok));
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, "127.0.0.1", ok));
  const closedPort = (probe.address() as { port: number }).port;
  await new Promise((ok) => probe.close(ok));
  kubeconfigs.closed = join(work.dir, "closed.kubeconfig");
  kubeconfigs.blackhole = join(work.dir, "blackhole.kubeconfig");
  writeFileSync(kubeconfigs.closed, kubeconfig(closedPort));
  writeFileSync(kubeconfigs.blackhole, kubeconfig((blackhole.address() as { port: number }).port));
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((ok) => blackhole.close(ok));
  work.cleanup();
});

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the signal to the exit. */
  took: number;
  stderr: string;
}

/** Starts the approver, waits until it runs and has met the API server, signals it, and times the exit. */
function runAndSignal(args: string[], sig: NodeJS.Signals): Promise<Stopped> {
  const [node, bin] = k8sPkiCommand();
  const child = spawn(node, [bin, "approver", "run", "--listen", "127.0.0.1:0", "--log-format", "text", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let sentAt = 0;
  return new Promise((resolve, reject) => {
    const kill = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`still running 40 s after start (${sig} ${sentAt === 0 ? "not sent" : "sent"}):\n${stderr}`));
    }, 40_000);
    let armed = false;
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
      if (armed || !/approver running/.test(stderr)) return;
      armed = true;
      // 1.5 s in: against the closed port the watch is in backoff and the lease retrying; against the blackhole both requests hang.
      setTimeout(() => {
        sentAt = performance.now();
        child.kill(sig);
      }, 1_500);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(kill);
      if (sentAt === 0) reject(new Error(`exited before it was signalled (${code ?? signal}):\n${stderr}`));
      else resolve({ code, signal, took: performance.now() - sentAt, stderr });
    });
  });
}

describe("k8s-pki approver run stops on a signal", () => {
  it.concurrent.each([
    { api: "closed", mode: "--no-leader-elect", sig: "SIGTERM" },
    { api: "closed", mode: "--no-leader-elect", sig: "SIGINT" },
    { api: "closed", mode: "leader election", sig: "SIGTERM" },
    { api: "closed", mode: "leader election", sig: "SIGINT" },
    { api: "blackhole", mode: "--no-leader-elect", sig: "SIGTERM" },
    { api: "blackhole", mode: "--no-leader-elect", sig: "SIGINT" },
    { api: "blackhole", mode: "leader election", sig: "SIGTERM" },
    { api: "blackhole", mode: "leader election", sig: "SIGINT" },
  ] as const)("API server $api, $mode: exits 0 within 3 s of $sig", async ({ api, mode, sig }) => {
    const args = ["--kubeconfig", kubeconfigs[api], ...(mode === "--no-leader-elect" ? [mode] : [])];
    const r = await runAndSignal(args, sig);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    expect(r.took, r.stderr).toBeLessThan(3_000);
    expect(r.stderr).toContain(`shutting down signal=${sig}`);
  }, 60_000);
});
