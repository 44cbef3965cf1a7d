// The renewal timer (inventory `renewal`): which nodes get which units, the
// inventory's errors, the rendered units (snapshots), systemd's own verdict on
// them (`systemd-analyze verify`), and their commands run for real on a
// rendered cluster: the check writes node_exporter's textfile, and the renew
// service's condition lets it run only when a certificate is within the threshold.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPlan, defaultInventory, validateInventory, writeRendered, type RenderedNode } from "@k8s/deploy";
import { renderInventory } from "../../packages/deploy/src/render.js";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";

const tmp = withTempDir("k8s-pki-renewal-timer-");
const CLI = join(repoRoot, "packages/cli/bin/k8s-pki.js");

const nodes = [
  { name: "m1", address: "192.168.95.11", roles: ["etcd", "master"] },
  { name: "m2", address: "192.168.95.12", roles: ["master"] },
  { name: "w1", address: "192.168.95.21", roles: ["worker"] },
];
const RENEW = { node: "m1", stateDir: "/var/lib/k8s-pki/state", inventory: "/var/lib/k8s-pki/cluster.yaml", sshKey: "/root/.ssh/id_ed25519", knownHosts: "/root/.ssh/known_hosts" };
const inventory = (renewal: unknown, extra: Record<string, unknown> = {}) => validateInventory({ nodes, ...extra, ...(renewal === undefined ? {} : { renewal }) });
const text = (n: RenderedNode, path: string): string => {
  const f = n.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`${n.name}: no ${path}`);
  return f.content.toString();
};
const UNITS = "/etc/systemd/system";

describe("inventory renewal", () => {
  it("fills in the defaults and leaves renew off", () => {
    expect(inventory({}).renewal).toEqual({ schedule: "daily", warn: "30d", textfileDir: "/var/lib/node_exporter/textfile_collector" });
    expect(inventory(undefined).renewal).toBeUndefined();
  });

  it.each([
    { name: "unknown field", renewal: { shedule: "daily" }, error: /^renewal\.shedule: unknown field/ },
    { name: "schedule with a quote", renewal: { schedule: "daily'" }, error: /^renewal\.schedule: .* is not a systemd OnCalendar expression/ },
    { name: "warn that is no duration", renewal: { warn: "soon" }, error: /^renewal\.warn: "soon" is not a duration/ },
    { name: "relative textfile folder", renewal: { textfileDir: "prom" }, error: /^renewal\.textfileDir: "prom" must be an absolute path/ },
    { name: "path with a space", renewal: { textfileDir: "/var/lib/node exporter" }, error: /^renewal\.textfileDir: .* must be an absolute path/ },
    { name: "renew on a node that does not exist", renewal: { renew: { ...RENEW, node: "m9" } }, error: /^renewal\.renew\.node: "m9" is not a node of the inventory \(m1, m2, w1\)/ },
    { name: "renew without a state folder", renewal: { renew: { ...RENEW, stateDir: undefined } }, error: /^renewal\.renew\.stateDir: is required/ },
    { name: "renew with an unknown field", renewal: { renew: { ...RENEW, sshPort: 22 } }, error: /^renewal\.renew\.sshPort: unknown field/ },
  ])("refuses $name, naming the field", ({ renewal, error }) => {
    expect(() => inventory(renewal)).toThrow(error);
    try {
      inventory(renewal);
    } catch (e) {
      expect((e as { code?: string }).code).toBe("inventory-invalid");
    }
  });
});

describe("plan with renewal", () => {
  it("adds nothing without it (the default inventory)", () => {
    const plan = buildPlan(defaultInventory());
    expect(plan.nodes.flatMap((n) => n.units.map((u) => u.name)).filter((u) => u.includes("certs"))).toEqual([]);
  });

  it("puts the check timer on every master and the renew timer on renew.node only", () => {
    const plan = buildPlan(inventory({ renew: RENEW }));
    const timers = Object.fromEntries(plan.nodes.map((n) => [n.name, n.units.filter((u) => u.name.endsWith(".timer")).map((u) => u.name)]));
    expect(timers).toEqual({ m1: ["k8s-pki-certs-check.timer", "k8s-pki-certs-renew.timer"], m2: ["k8s-pki-certs-check.timer"], w1: [] });
    const m1 = plan.nodes.find((n) => n.name === "m1")!;
    // The timer is the unit apply starts; a changed service or binary restarts the timer, never runs the service.
    expect(m1.units.find((u) => u.name === "k8s-pki-certs-renew.timer")).toEqual({
      name: "k8s-pki-certs-renew.timer",
      stage: "worker",
      inputs: [`${UNITS}/k8s-pki-certs-renew.timer`, `${UNITS}/k8s-pki-certs-renew.service`, "/usr/local/bin/k8s-pki"],
    });
  });

  it("can put the renew timer on a worker, with the k8s-pki binary", () => {
    const plan = buildPlan(inventory({ renew: { ...RENEW, node: "w1" } }));
    const w1 = plan.nodes.find((n) => n.name === "w1")!;
    expect(w1.units.map((u) => u.name)).toContain("k8s-pki-certs-renew.timer");
    expect(w1.files.map((f) => f.path)).toContain("/usr/local/bin/k8s-pki");
  });
});

describe("rendered units", () => {
  let hardened: RenderedNode[];
  let classic: RenderedNode[];
  beforeAll(async () => {
    hardened = (await renderInventory(inventory({ schedule: "*-*-* 03:00:00", warn: "720h", renew: RENEW }))).nodes;
    classic = (await renderInventory(inventory({}, { pki: { layout: "classic" } }))).nodes;
  });

  it("check service: one certs check per certificate folder, exit 3 counted as success", () => {
    expect(text(hardened[0]!, `${UNITS}/k8s-pki-certs-check.service`)).toMatchInlineSnapshot(`
      "[Unit]
      Description=k8s-pki: certificate expiry for node_exporter's textfile collector
      Documentation=https://github.com/k8s-pki/k8s-pki#renewal-timer

      [Service]
      Type=oneshot
      ExecStartPre=/bin/mkdir -p /var/lib/node_exporter/textfile_collector
      ExecStart=/usr/local/bin/k8s-pki certs check /etc/kubernetes --warn=720h --textfile=/var/lib/node_exporter/textfile_collector/k8s-pki-certs.prom
      SuccessExitStatus=3
      Nice=10
      NoNewPrivileges=yes
      ProtectSystem=full
      ProtectHome=yes
      PrivateTmp=yes
      PrivateNetwork=yes
      "
    `);
    // classic keeps etcd's and flanneld's certificates outside /etc/kubernetes.
    const execs = text(classic[0]!, `${UNITS}/k8s-pki-certs-check.service`)
      .split("\n")
      .filter((l) => l.startsWith("ExecStart="));
    expect(execs).toEqual([
      "ExecStart=/opt/k8s/bin/k8s-pki certs check /etc/etcd/cert --warn=30d --textfile=/var/lib/node_exporter/textfile_collector/k8s-pki-certs.prom",
      "ExecStart=/opt/k8s/bin/k8s-pki certs check /etc/flanneld/cert --warn=30d --textfile=/var/lib/node_exporter/textfile_collector/k8s-pki-certs-etc-flanneld-cert.prom",
      "ExecStart=/opt/k8s/bin/k8s-pki certs check /etc/kubernetes --warn=30d --textfile=/var/lib/node_exporter/textfile_collector/k8s-pki-certs-etc-kubernetes.prom",
    ]);
  });

  it("renew service: renews the state's certificates and applies, only when certs check exits 3", () => {
    expect(text(hardened[0]!, `${UNITS}/k8s-pki-certs-renew.service`)).toMatchInlineSnapshot(`
      "[Unit]
      Description=k8s-pki: renew the deploy state's certificates within 720h of expiry and apply them
      Documentation=https://github.com/k8s-pki/k8s-pki#renewal-timer
      After=network-online.target
      Wants=network-online.target

      [Service]
      Type=oneshot
      ExecCondition=/bin/sh -c '/usr/local/bin/k8s-pki certs check /var/lib/k8s-pki/state/pki --warn=720h >/dev/null; test $$? -eq 3'
      ExecStart=/usr/local/bin/k8s-pki certs renew all --dir=/var/lib/k8s-pki/state/pki
      ExecStart=/usr/local/bin/k8s-pki deploy apply --inventory=/var/lib/k8s-pki/cluster.yaml --state=/var/lib/k8s-pki/state --ssh-key=/root/.ssh/id_ed25519 --known-hosts=/root/.ssh/known_hosts
      Nice=10
      NoNewPrivileges=yes
      PrivateTmp=yes
      "
    `);
    expect(text(hardened[0]!, `${UNITS}/k8s-pki-certs-renew.timer`)).toMatchInlineSnapshot(`
      "[Unit]
      Description=k8s-pki: renew and apply certificates near expiry (*-*-* 03:00:00)
      Documentation=https://github.com/k8s-pki/k8s-pki#renewal-timer

      [Timer]
      OnCalendar=*-*-* 03:00:00
      Persistent=true
      RandomizedDelaySec=1h
      Unit=k8s-pki-certs-renew.service

      [Install]
      WantedBy=timers.target
      "
    `);
  });

  it("local mode leaves the timers out (they need systemd)", async () => {
    const { plan, pki } = await renderInventory(inventory({ renew: RENEW }));
    const { renderCluster } = await import("@k8s/deploy");
    const local = renderCluster(plan, { pki, local: { root: "/tmp/x" } });
    expect(local.flatMap((n) => [...n.units.map((u) => u.name), ...n.files.map((f) => f.path)]).filter((s) => s.includes("k8s-pki-certs"))).toEqual([]);
  });

  describe("systemd-analyze verify", () => {
    let dir: string;
    beforeAll(async () => {
      dir = join(tmp.path, "verify");
      await writeRendered(hardened, dir);
      for (const n of hardened) {
        const root = join(dir, n.name);
        mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
        cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
        // verify --root checks that each executable exists in the root and is executable.
        for (const f of [...n.files.filter((x) => !Buffer.isBuffer(x.content)).map((x) => x.path), "/bin/mkdir", "/bin/sh"]) {
          const target = join(root, f);
          mkdirSync(dirname(target), { recursive: true });
          if (!existsSync(target)) copyFileSync("/bin/true", target);
        }
      }
    });

    it.each([
      ["m1", "k8s-pki-certs-check.timer"],
      ["m1", "k8s-pki-certs-check.service"],
      ["m1", "k8s-pki-certs-renew.timer"],
      ["m1", "k8s-pki-certs-renew.service"],
      ["m2", "k8s-pki-certs-check.timer"],
    ])("accepts %s %s", (node, unit) => {
      const r = spawnSync("systemd-analyze", ["verify", `--root=${join(dir, node)}`, `${UNITS}/${unit}`], { encoding: "utf8" });
      expect(r.error).toBeUndefined();
      expect(`${r.stdout}${r.stderr}`.trim()).toBe("");
      expect(r.status).toBe(0);
    });

    it("refuses a timer with a schedule systemd cannot parse (the check is not vacuous)", () => {
      const root = join(dir, "m2");
      const timer = join(root, `etc/systemd/system/k8s-pki-certs-check.timer`);
      const good = readFileSync(timer, "utf8");
      writeFileSync(timer, good.replace("OnCalendar=*-*-* 03:00:00", "OnCalendar=*-*-* 25:99:00"));
      try {
        const r = spawnSync("systemd-analyze", ["verify", `--root=${root}`, `${UNITS}/k8s-pki-certs-check.timer`], { encoding: "utf8" });
        expect(`${r.stdout}${r.stderr}`).toMatch(/calendar/i);
      } finally {
        writeFileSync(timer, good);
      }
    });
  });

  describe("their commands, run on a rendered cluster", () => {
    let bin: string;
    beforeAll(() => {
      // The units' /usr/local/bin/k8s-pki: the built CLI (scripts/test.sh builds before the tests).
      expect(existsSync(join(repoRoot, "packages/cli/dist/main.js")), "run npm run build first").toBe(true);
      bin = join(tmp.path, "k8s-pki");
      writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
      chmodSync(bin, 0o755);
    });

    /** A unit line's command with the node's paths moved under `root` and k8s-pki replaced by the built CLI. */
    const localize = (line: string, root: string): string =>
      line
        .replace(/^\w+=/, "")
        .replace("/usr/local/bin/k8s-pki", bin)
        .replace(/ (\/(etc|var)\/)/g, ` ${root}$1`)
        .replace(/=(\/(etc|var)\/)/g, `=${root}$1`)
        .replace(/\$\$/g, "$");

    it("the check writes node_exporter's textfile with every certificate of the master", async () => {
      const out = join(tmp.path, "cluster");
      await writeRendered(hardened, out);
      const root = join(out, "m1");
      const unit = text(hardened[0]!, `${UNITS}/k8s-pki-certs-check.service`).split("\n");
      for (const l of unit.filter((x) => x.startsWith("ExecStartPre=") || x.startsWith("ExecStart="))) {
        const r = spawnSync("/bin/sh", ["-c", localize(l, root)], { encoding: "utf8" });
        // 0, or 3 (SuccessExitStatus) when something is within --warn.
        expect([0, 3], `${l}\n${r.stderr}`).toContain(r.status);
      }
      const prom = readFileSync(join(root, "var/lib/node_exporter/textfile_collector/k8s-pki-certs.prom"), "utf8");
      // Whatever the metric names (see Metrics in the README), every certificate of the master is in it.
      expect(prom).toMatch(/^# TYPE \w+ gauge$/m);
      for (const cert of ["apiserver.pem", "ca.pem", "etcd/server.pem", "admin.kubeconfig"]) expect(prom).toContain(cert);
    });

    it("the renew service's condition skips a fresh state and lets a state within the threshold through", () => {
      const stateRoot = join(tmp.path, "state-root");
      const pkiDir = join(stateRoot, "var/lib/k8s-pki/state/pki");
      mkdirSync(pkiDir, { recursive: true });
      // A CA and a leaf valid for 1000 h, made with the CLI as cfssl would.
      writeFileSync(join(pkiDir, "ca-csr.json"), JSON.stringify({ CN: "renew-ca", key: { algo: "ecdsa", size: 256 } }));
      writeFileSync(join(pkiDir, "cfg.json"), JSON.stringify({ signing: { default: { expiry: "1000h", usages: ["signing", "client auth"] } } }));
      writeFileSync(join(pkiDir, "leaf-csr.json"), JSON.stringify({ CN: "leaf", key: { algo: "ecdsa", size: 256 } }));
      const sh = (cmd: string): string => execFileSync("/bin/sh", ["-c", cmd], { cwd: pkiDir, encoding: "utf8" });
      sh(`${bin} gencert -initca ca-csr.json | ${bin} json -bare ca && ${bin} gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json leaf-csr.json | ${bin} json -bare leaf && rm *.json *.csr`);
      const condition = text(hardened[0]!, `${UNITS}/k8s-pki-certs-renew.service`)
        .split("\n")
        .find((l) => l.startsWith("ExecCondition="))!;
      // ExecCondition: exit 0 runs the service, 1-254 skips it.
      expect(spawnSync("/bin/sh", ["-c", localize(condition, stateRoot)]).status).toBe(1); // 720h < 1000h
      expect(spawnSync("/bin/sh", ["-c", localize(condition.replace("--warn=720h", "--warn=1200h"), stateRoot)]).status).toBe(0);
    });
  });
});
