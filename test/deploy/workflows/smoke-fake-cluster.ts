// A fake SmokeApi that behaves like a small cluster running the smoke
// Deployment: one pod per schedulable Ready node, pods that answer HTTP with
// their name on their IP, a ClusterIP in front of them, and a DNS that
// answers the way busybox nslookup prints. Faults make one part misbehave,
// so each check's failure is shown to come from what it looks at.
import type { SmokeApi, SmokeExecResult, SmokeNode, SmokePod } from "../../../packages/deploy/src/workflows/smoke-api.js";
import type { V1Deployment } from "@kubernetes/client-node";

export interface Faults {
  /** This node's pod never becomes ready (image pull failing). */
  notReadyOn?: string;
  /** `hostname` in this pod prints something else. */
  wrongHostnameIn?: string;
  /** Traffic from this node's pod to that node's pod goes nowhere (a broken flannel route). */
  noRoute?: [from: string, to: string];
  /** DNS gives this IP for this name. */
  dnsAnswers?: Record<string, string>;
  /** DNS does not know this name. */
  dnsUnknown?: string;
  /** This pod's log lacks the ready line. */
  logMissingIn?: string;
  /** The Service answers nothing for the first `n` attempts (endpoints not programmed yet). */
  serviceSilentFor?: number;
  /** Creating the Deployment is refused. */
  refuseDeployment?: string;
  /** Deleting the namespace fails. */
  refuseDelete?: string;
}

export const SERVICE_IP = "10.254.77.7";
export const API_SERVICE_IP = "10.254.0.1";
export const DOMAIN = "cluster.local";

const http = (body: string): string => `HTTP/1.0 200 OK\r\nContent-type: text/html\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

const nslookupOk = (name: string, ip: string): string => `Server:\t\t10.254.0.2\nAddress:\t10.254.0.2:53\n\nName:\t${name}\nAddress: ${ip}\n\n`;
const nslookupNx = (name: string): string => `Server:\t\t10.254.0.2\nAddress:\t10.254.0.2:53\n\n** server can't find ${name}: NXDOMAIN\n\n`;

export class FakeCluster implements SmokeApi {
  readonly calls: string[] = [];
  readonly created: { namespace?: string; deployment?: V1Deployment; service?: boolean } = {};
  deleted: string[] = [];
  private serviceTries = 0;
  private pods: (SmokePod & { nodeIndex: number })[] = [];

  constructor(
    private readonly nodes: SmokeNode[],
    private readonly faults: Faults = {},
  ) {}

  listNodes = async (): Promise<SmokeNode[]> => this.nodes;

  createNamespace = async (ns: { metadata?: { name?: string } }): Promise<void> => {
    this.calls.push(`namespace ${ns.metadata?.name}`);
    this.created.namespace = ns.metadata?.name;
  };

  createDeployment = async (namespace: string, d: V1Deployment): Promise<void> => {
    this.calls.push(`deployment ${namespace}`);
    if (this.faults.refuseDeployment !== undefined) throw new Error(this.faults.refuseDeployment);
    this.created.deployment = d;
    const usable = this.nodes.filter((n) => n.ready && n.schedulable);
    this.pods = usable.slice(0, d.spec?.replicas ?? 0).map((n, i) => ({
      name: `smoke-7d9f-${n.name}`,
      node: n.name,
      ip: `10.1.${i + 1}.5`,
      ready: n.name !== this.faults.notReadyOn,
      state: n.name === this.faults.notReadyOn ? "Pending: ErrImagePull: pull access denied" : "Running",
      nodeIndex: i,
    }));
  };

  createService = async (): Promise<{ clusterIP: string }> => {
    this.created.service = true;
    return { clusterIP: SERVICE_IP };
  };

  listPods = async (): Promise<SmokePod[]> => this.pods.map(({ nodeIndex: _, ...p }) => p);

  readLog = async (_ns: string, pod: string): Promise<string> => (pod === this.faults.logMissingIn ? "sh: httpd: not found\n" : `k8s-pki-smoke ${pod} ready\n`);

  deleteNamespace = async (name: string): Promise<void> => {
    this.calls.push(`delete ${name}`);
    if (this.faults.refuseDelete !== undefined) throw new Error(this.faults.refuseDelete);
    this.deleted.push(name);
  };

  exec = async (_ns: string, podName: string, command: string[]): Promise<SmokeExecResult> => {
    const pod = this.pods.find((p) => p.name === podName);
    if (pod === undefined) throw new Error(`HTTP 404: pods "${podName}" not found`);
    const ok = (stdout: string): SmokeExecResult => ({ stdout, stderr: "", exitCode: 0 });
    if (command.join(" ") === "hostname") return ok(pod.name === this.faults.wrongHostnameIn ? "localhost\n" : `${pod.name}\n`);
    if (command[0] === "nslookup") return this.lookup(command[1]!);
    const nc = /nc -w 3 (\S+) (\d+)$/.exec(command[2] ?? "");
    if (command[0] === "sh" && nc !== null) {
      const [, ip, port] = nc as unknown as [string, string, string];
      if (ip === SERVICE_IP && port === "80") {
        if (this.serviceTries++ < (this.faults.serviceSilentFor ?? 0)) return { stdout: "", stderr: "", exitCode: 1 };
        return ok(http(`${this.pods[0]!.name}\n`));
      }
      const to = this.pods.find((p) => p.ip === ip);
      if (to === undefined || port !== "8080") return { stdout: "", stderr: "", exitCode: 1 };
      const [from, dest] = this.faults.noRoute ?? [];
      if (pod.node === from && to.node === dest) return { stdout: "", stderr: "", exitCode: 1 };
      return ok(http(`${to.name}\n`));
    }
    return { stdout: "", stderr: `sh: ${command[0]}: not found\n`, exitCode: 127 };
  };

  private lookup(name: string): SmokeExecResult {
    const ns = this.created.namespace!;
    // busybox applies the search path (<ns>.svc.<domain> first) to a name without a dot.
    const fqdn = name.includes(".") ? name : `${name}.${ns}.svc.${DOMAIN}`;
    const known: Record<string, string> = { [`kubernetes.default.svc.${DOMAIN}`]: API_SERVICE_IP, [`smoke.${ns}.svc.${DOMAIN}`]: SERVICE_IP, ...this.faults.dnsAnswers };
    const ip = fqdn === this.faults.dnsUnknown || name === this.faults.dnsUnknown ? undefined : known[fqdn];
    return ip === undefined ? { stdout: nslookupNx(name), stderr: "", exitCode: 1 } : { stdout: nslookupOk(fqdn, ip), stderr: "", exitCode: 0 };
  }
}

export const threeNodes: SmokeNode[] = ["node1", "node2", "node3"].map((name) => ({ name, ready: true, schedulable: true }));

/** A clock that never waits: each sleep moves time on. */
export function fakeClock(): { now(): number; sleep(ms: number): Promise<void>; slept: number } {
  const c = {
    t: 0,
    slept: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
      c.slept += ms;
    },
  };
  return c;
}
