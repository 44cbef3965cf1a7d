// The smoke test's sequence against a fake cluster: all green, then one
// fault at a time. Each fault must fail the check that looks at it, with a
// detail naming the pod, node or IP; the checks that need it are skipped
// (listed, not dropped); the namespace is deleted whatever happened.
import { describe, expect, it } from "vitest";
import { podsVerdict, runSmokeChecks, SMOKE_CHECK, smokeWorkers, type SmokeCheck, type SmokeChecksOptions } from "../../../packages/deploy/src/workflows/smoke-checks.js";
import type { SmokeNode, SmokePod } from "../../../packages/deploy/src/workflows/smoke-api.js";
import { API_SERVICE_IP, DOMAIN, fakeClock, FakeCluster, SERVICE_IP, threeNodes, type Faults } from "./smoke-fake-cluster.js";

const NS = "k8s-pki-smoke-ab12c";
const ALL = Object.values(SMOKE_CHECK);

async function run(faults: Faults = {}, nodes: SmokeNode[] = threeNodes, extra: Partial<SmokeChecksOptions> = {}) {
  const api = new FakeCluster(nodes, faults);
  const seen: SmokeCheck[] = [];
  const clock = fakeClock();
  const r = await runSmokeChecks({ api, namespace: NS, dnsDomain: DOMAIN, apiServiceIp: API_SERVICE_IP, clock, onCheck: (c) => seen.push(c), ...extra });
  const byName = (name: string): SmokeCheck => {
    const c = r.checks.find((x) => x.name === name);
    if (c === undefined) throw new Error(`no check ${name}`);
    return c;
  };
  return { api, r, seen, clock, byName };
}

describe("runSmokeChecks on a healthy cluster", () => {
  it("passes every check, in order, reports each as it goes, and deletes the namespace", async () => {
    const { api, r, seen } = await run();
    expect(r.checks.map((c) => c.name)).toEqual(ALL);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(seen).toEqual(r.checks);
    expect(api.deleted).toEqual([NS]);
    expect(api.calls.at(-1)).toBe(`delete ${NS}`);
  });

  it("asks for one replica per schedulable Ready worker and names the pods and nodes", async () => {
    const nodes: SmokeNode[] = [...threeNodes, { name: "node4", ready: false, schedulable: true }, { name: "master1", ready: true, schedulable: false }];
    const { api, r, byName } = await run({}, nodes);
    expect(r.ok).toBe(true);
    expect(api.created.deployment?.spec?.replicas).toBe(3);
    expect(byName(SMOKE_CHECK.workload).detail).toBe(`namespace ${NS}, Deployment smoke with 3 replicas for node1, node2, node3, Service smoke ${SERVICE_IP}; left out master1 (not schedulable), node4 (not Ready)`);
    expect(byName(SMOKE_CHECK.pods).detail).toBe("smoke-7d9f-node1 on node1 (10.1.1.5), smoke-7d9f-node2 on node2 (10.1.2.5), smoke-7d9f-node3 on node3 (10.1.3.5)");
    // 3 nodes: 6 ordered pairs, each a GET answered by the pod asked.
    expect(byName(SMOKE_CHECK.podToPod).detail).toBe("6 GETs between 3 nodes, each answered by the pod asked");
    expect(byName(SMOKE_CHECK.service).detail).toContain(`GET http://${SERVICE_IP}:80/: answered by smoke-7d9f-node1`);
    expect(byName(SMOKE_CHECK.dnsApi).detail).toContain(`kubernetes.default.svc.${DOMAIN} is ${API_SERVICE_IP}`);
    expect(byName(SMOKE_CHECK.dnsService).detail).toContain(`smoke.${NS}.svc.${DOMAIN} is ${SERVICE_IP}`);
    expect(byName(SMOKE_CHECK.dnsShort).detail).toContain(`smoke is ${SERVICE_IP}`);
  });

  it("with one worker there is no pair of nodes to cross, and says so", async () => {
    const { r, byName } = await run({}, [threeNodes[0]!]);
    expect(r.ok).toBe(true);
    expect(byName(SMOKE_CHECK.podToPod).detail).toBe("one worker: no pair of nodes to cross");
  });

  it("retries the Service until its endpoints answer, within the attempts", async () => {
    const { r, byName, clock } = await run({ serviceSilentFor: 2 }, threeNodes, { retry: { attempts: 4, delayMs: 5000 } });
    expect(r.ok).toBe(true);
    expect(byName(SMOKE_CHECK.service).ok).toBe(true);
    expect(clock.slept).toBe(10_000);
  });

  it("by default gives the Service 6 attempts 5 s apart, and a broken pod-to-pod pair only 2, 2 s apart", async () => {
    const service = await run({ serviceSilentFor: 5 });
    expect(service.r.ok).toBe(true);
    expect(service.clock.slept).toBe(25_000);
    const route = await run({ noRoute: ["node2", "node1"] });
    expect(route.byName(SMOKE_CHECK.podToPod).detail).toBe("smoke-7d9f-node2 on node2 -> smoke-7d9f-node1 on node1 at 10.1.1.5:8080: no answer (after 2 attempts)");
    expect(route.clock.slept).toBe(2000);
  });

  it("--keep leaves the namespace and names it", async () => {
    const { api, r, byName } = await run({}, threeNodes, { keep: true });
    expect(r.ok).toBe(true);
    expect(api.deleted).toEqual([]);
    expect(byName(SMOKE_CHECK.cleanup).detail).toBe(`kept namespace ${NS} (--keep); delete it with: kubectl delete namespace ${NS}`);
  });
});

describe("runSmokeChecks when one thing is broken", () => {
  const fast = { retry: { attempts: 2, delayMs: 1000 }, timeoutMs: 10_000 };
  it.each<{ what: string; faults: Faults; failed: string; detail: RegExp; skipped: string[]; alsoFailed?: string[] }>([
    {
      what: "a pod that never gets ready",
      faults: { notReadyOn: "node2" },
      failed: SMOKE_CHECK.pods,
      detail: /^not within 10 s: node2: smoke-7d9f-node2 not ready \(Pending: ErrImagePull: pull access denied\)$/,
      skipped: [SMOKE_CHECK.logs, SMOKE_CHECK.exec, SMOKE_CHECK.podToPod, SMOKE_CHECK.service, SMOKE_CHECK.dnsApi, SMOKE_CHECK.dnsService, SMOKE_CHECK.dnsShort],
    },
    {
      what: "a log without the ready line",
      faults: { logMissingIn: "smoke-7d9f-node3" },
      failed: SMOKE_CHECK.logs,
      detail: /^smoke-7d9f-node3 on node3: log lacks "k8s-pki-smoke smoke-7d9f-node3 ready" \(log: "sh: httpd: not found"\)$/,
      skipped: [],
    },
    {
      what: "exec printing the wrong hostname",
      faults: { wrongHostnameIn: "smoke-7d9f-node1" },
      failed: SMOKE_CHECK.exec,
      detail: /^smoke-7d9f-node1 on node1: hostname gave "localhost", exit 0$/,
      skipped: [SMOKE_CHECK.podToPod, SMOKE_CHECK.service, SMOKE_CHECK.dnsApi, SMOKE_CHECK.dnsService, SMOKE_CHECK.dnsShort],
    },
    {
      what: "no route from node1's pod to node3's",
      faults: { noRoute: ["node1", "node3"] },
      failed: SMOKE_CHECK.podToPod,
      detail: /^smoke-7d9f-node1 on node1 -> smoke-7d9f-node3 on node3 at 10\.1\.3\.5:8080: no answer \(after 2 attempts\)$/,
      skipped: [],
    },
    {
      what: "DNS giving the wrong IP for kubernetes.default",
      faults: { dnsAnswers: { [`kubernetes.default.svc.${DOMAIN}`]: "10.254.0.99" } },
      failed: SMOKE_CHECK.dnsApi,
      detail: new RegExp(`kubernetes\\.default\\.svc\\.cluster\\.local: gave 10\\.254\\.0\\.99, want ${API_SERVICE_IP.replace(/\./g, "\\.")} \\(after 2 attempts\\)$`),
      skipped: [],
    },
    {
      what: "DNS not knowing the Service",
      faults: { dnsUnknown: `smoke.${NS}.svc.${DOMAIN}` },
      failed: SMOKE_CHECK.dnsService,
      // The short name goes through the search path to the same name, so it fails too.
      alsoFailed: [SMOKE_CHECK.dnsShort],
      detail: new RegExp(`smoke\\.${NS}\\.svc\\.cluster\\.local: server can't find smoke\\.${NS}\\.svc\\.cluster\\.local: NXDOMAIN, want ${SERVICE_IP.replace(/\./g, "\\.")}`),
      skipped: [],
    },
    {
      what: "a refused Deployment",
      faults: { refuseDeployment: 'HTTP 403: deployments.apps is forbidden: User "admin" cannot create resource' },
      failed: SMOKE_CHECK.workload,
      detail: /^namespace k8s-pki-smoke-ab12c: HTTP 403: deployments\.apps is forbidden/,
      skipped: [SMOKE_CHECK.pods, SMOKE_CHECK.logs, SMOKE_CHECK.exec, SMOKE_CHECK.podToPod, SMOKE_CHECK.service, SMOKE_CHECK.dnsApi, SMOKE_CHECK.dnsService, SMOKE_CHECK.dnsShort],
    },
  ])("$what: that check fails naming it, dependent checks are skipped, the namespace is deleted", async ({ faults, failed, detail, skipped, alsoFailed }) => {
    const { api, r, byName } = await run(faults, threeNodes, fast);
    expect(r.ok).toBe(false);
    // Nothing dropped: every check is listed, in order.
    expect(r.checks.map((c) => c.name)).toEqual(ALL);
    const f = byName(failed);
    expect(f.ok).toBe(false);
    expect(f.skipped).toBeUndefined();
    expect(f.detail).toMatch(detail);
    expect(r.checks.filter((c) => c.skipped === true).map((c) => c.name)).toEqual(skipped);
    for (const c of r.checks.filter((c) => c.skipped === true)) expect(c.ok).toBe(false);
    // Only the broken check failed outright.
    expect(r.checks.filter((c) => !c.ok && c.skipped !== true).map((c) => c.name)).toEqual([failed, ...(alsoFailed ?? [])]);
    expect(api.deleted).toEqual([NS]);
    expect(byName(SMOKE_CHECK.cleanup)).toEqual({ name: SMOKE_CHECK.cleanup, ok: true, detail: `namespace ${NS} deleted` });
  });

  it("a failed deletion is a failure that says how to delete it by hand", async () => {
    const { r, byName } = await run({ refuseDelete: "HTTP 503: etcdserver: request timed out" });
    expect(r.ok).toBe(false);
    expect(byName(SMOKE_CHECK.cleanup).detail).toBe(`deleting namespace ${NS}: HTTP 503: etcdserver: request timed out; delete it with: kubectl delete namespace ${NS}`);
  });

  it("no schedulable Ready node: nothing is created, so nothing is deleted", async () => {
    const { api, r, byName } = await run({}, [{ name: "node1", ready: false, schedulable: true }]);
    expect(r.ok).toBe(false);
    expect(byName(SMOKE_CHECK.workload).detail).toBe(`namespace ${NS}: no Ready, schedulable node to run pods on (node1 (not Ready))`);
    expect(api.calls).toEqual([]);
    expect(byName(SMOKE_CHECK.cleanup).detail).toBe(`nothing to delete (namespace ${NS} was not created)`);
  });

  it("waits for an expected worker that is not Ready yet, then puts a pod on it too", async () => {
    const nodes: SmokeNode[] = threeNodes.map((n) => ({ ...n, ready: n.name !== "node3" }));
    const api = new FakeCluster(nodes, {});
    let lists = 0;
    const list = api.listNodes;
    api.listNodes = async () => {
      if (++lists === 3) nodes[2]!.ready = true;
      return list();
    };
    const clock = fakeClock();
    const r = await runSmokeChecks({ api, namespace: NS, dnsDomain: DOMAIN, apiServiceIp: API_SERVICE_IP, clock, expectedWorkers: ["node1", "node2", "node3"] });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(lists).toBe(3);
    expect(api.created.deployment?.spec?.replicas).toBe(3);
    expect(r.checks.find((c) => c.name === SMOKE_CHECK.workload)?.detail).not.toContain("left out");
  });

  it("an expected worker that never gets Ready, or never registered, fails the workload naming it; nothing is created", async () => {
    const nodes: SmokeNode[] = threeNodes.map((n) => ({ ...n, ready: n.name !== "node3" }));
    const { api, r, byName, clock } = await run({}, nodes, { expectedWorkers: ["node1", "node2", "node3", "node4"], timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(byName(SMOKE_CHECK.workload).detail).toBe(`namespace ${NS}: not within 10 s: no pod can run on node3 (not Ready), node4 (not registered)`);
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(api.calls).toEqual([]);
    expect(byName(SMOKE_CHECK.pods).skipped).toBe(true);
  });

  it("an interrupted run skips what is left and still deletes the namespace", async () => {
    const stop = new AbortController();
    const api = new FakeCluster(threeNodes, {});
    const r = await runSmokeChecks({
      api,
      namespace: NS,
      dnsDomain: DOMAIN,
      apiServiceIp: API_SERVICE_IP,
      clock: fakeClock(),
      signal: stop.signal,
      onCheck: (c) => {
        if (c.name === SMOKE_CHECK.logs) stop.abort();
      },
    });
    expect(r.ok).toBe(false);
    const after = r.checks.slice(r.checks.findIndex((c) => c.name === SMOKE_CHECK.exec), -1);
    expect(after.map((c) => c.name)).toEqual([SMOKE_CHECK.exec, SMOKE_CHECK.podToPod, SMOKE_CHECK.service, SMOKE_CHECK.dnsApi, SMOKE_CHECK.dnsService, SMOKE_CHECK.dnsShort]);
    for (const c of after) expect(c).toMatchObject({ ok: false, skipped: true, detail: "skipped: interrupted" });
    expect(api.deleted).toEqual([NS]);
  });
});

describe("podsVerdict", () => {
  const pod = (name: string, node: string | undefined, ready: boolean, state = "Running"): SmokePod => ({ name, node, ip: node === undefined ? undefined : `10.1.0.${name.length}`, ready, state });
  it.each<{ what: string; workers: string[]; pods: SmokePod[]; ok: boolean; detail: string }>([
    { what: "one ready pod per worker", workers: ["a", "b"], pods: [pod("p1", "a", true), pod("p22", "b", true)], ok: true, detail: "p1 on a (10.1.0.2), p22 on b (10.1.0.3)" },
    { what: "a worker without a pod", workers: ["a", "b"], pods: [pod("p1", "a", true)], ok: false, detail: "b: no pod" },
    {
      what: "a pod not ready, and one unscheduled",
      workers: ["a", "b"],
      pods: [pod("p1", "a", true), pod("p2", "b", false, "Running: readiness probe not passing yet"), pod("p3", undefined, false, "Pending: 0/2 nodes are available")],
      ok: false,
      detail: "b: p2 not ready (Running: readiness probe not passing yet); p3 unscheduled (Pending: 0/2 nodes are available)",
    },
    { what: "a ready pod without an IP yet", workers: ["a"], pods: [{ name: "p1", node: "a", ip: undefined, ready: true, state: "Running" }], ok: false, detail: "a: p1 not ready (Running)" },
  ])("$what", ({ workers, pods, ok, detail }) => {
    const v = podsVerdict(workers, pods);
    expect(v.ok).toBe(ok);
    expect(v.detail).toBe(detail);
  });
});

describe("smokeWorkers", () => {
  it("keeps the Ready, schedulable nodes, sorted", () => {
    expect(
      smokeWorkers([
        { name: "w2", ready: true, schedulable: true },
        { name: "w1", ready: true, schedulable: true },
        { name: "down", ready: false, schedulable: true },
        { name: "cordoned", ready: true, schedulable: false },
      ]),
    ).toEqual(["w1", "w2"]);
  });
});
