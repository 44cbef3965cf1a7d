// The images stage and containerd's options (inventory `images` and
// `containerd`; render/images.ts, render/containerd.ts): the inventory's
// errors, the archives and the import unit on workers, its place between
// containerd and the kubelet, the mirrors' hosts.toml files and the proxy.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlan, renderPlanText, validateInventory, type Inventory, type RenderedNode } from "@k8s/deploy";
import { renderInventory } from "../../packages/deploy/src/render.js";
import { execStartOf } from "../../packages/deploy/src/render/systemd.js";
import { fixtureDir } from "../harness/bed-binaries.js";

const nodes = [
  { name: "m1", address: "10.0.0.11", roles: ["etcd", "master"] },
  { name: "w1", address: "10.0.1.1", roles: ["worker"] },
];
const inventory = (extra: Record<string, unknown> = {}): Inventory => validateInventory({ nodes, ...extra });
const text = (n: RenderedNode, path: string): string => {
  const f = n.files.find((x) => x.path === path);
  if (!f || !Buffer.isBuffer(f.content)) throw new Error(`${n.name}: no ${path}`);
  return f.content.toString();
};
const worker = async (extra: Record<string, unknown> = {}): Promise<RenderedNode> => (await renderInventory(inventory(extra))).nodes.find((n) => n.name === "w1")!;
const unitLine = (unit: string, key: string): string[] =>
  unit
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .flatMap((l) => l.slice(key.length + 1).split(" "));
const IMAGES = ["images/pause-3.10.2.tar", "/srv/images/coredns.oci.tar"];

describe("inventory images and containerd", () => {
  it("defaults to no images, no mirrors and no proxy", () => {
    const inv = inventory();
    expect(inv.images).toEqual([]);
    expect(inv.containerd).toEqual({ mirrors: {}, noProxy: [] });
  });

  it("keeps what it is given; noProxy may be a comma-separated string", () => {
    const inv = inventory({
      images: IMAGES,
      containerd: { mirrors: { "docker.io": ["https://mirror.example"] }, httpProxy: "http://proxy:3128", noProxy: ".corp, 10.0.0.0/8" },
    });
    expect(inv.images).toEqual(IMAGES);
    expect(inv.containerd).toEqual({ mirrors: { "docker.io": ["https://mirror.example"] }, httpProxy: "http://proxy:3128", noProxy: [".corp", "10.0.0.0/8"] });
  });

  it.each([
    { name: "images not a list", extra: { images: { a: 1 } }, error: /^images: must be a list of strings, not object/ },
    { name: "an empty image path", extra: { images: [""] }, error: /^images\[0\]: must be a non-empty string/ },
    { name: "an image path that is a folder", extra: { images: ["images/"] }, error: /^images\[0\]: "images\/" must end in a file name/ },
    { name: "an image file name with a space", extra: { images: ["my image.tar"] }, error: /^images\[0\]: .* must end in a file name of letters, digits and \._\+-/ },
    { name: "two images with one file name", extra: { images: ["a/pause.tar", "b/pause.tar"] }, error: /^images\[1\]: "b\/pause\.tar" has the same file name as images\[0\]/ },
    { name: "containerd unknown field", extra: { containerd: { proxy: "x" } }, error: /^containerd\.proxy: unknown field \(known: mirrors, httpProxy, httpsProxy, noProxy\)/ },
    { name: "a registry with upper case", extra: { containerd: { mirrors: { "Docker.io": ["https://m"] } } }, error: /^containerd\.mirrors\.Docker\.io: "Docker\.io" is not a registry host/ },
    { name: "a registry with a scheme", extra: { containerd: { mirrors: { "https://docker.io": ["https://m"] } } }, error: /is not a registry host/ },
    { name: "a mirror that is not a URL", extra: { containerd: { mirrors: { "docker.io": ["mirror.example"] } } }, error: /^containerd\.mirrors\.docker\.io\[0\]: "mirror\.example" is not a URL/ },
    { name: "a mirror over ftp", extra: { containerd: { mirrors: { "docker.io": ["ftp://m.example"] } } }, error: /^containerd\.mirrors\.docker\.io\[0\]: .* is not an http or https URL/ },
    { name: "no mirror listed", extra: { containerd: { mirrors: { "docker.io": [] } } }, error: /^containerd\.mirrors\.docker\.io: lists no mirror/ },
    { name: "a proxy with a $", extra: { containerd: { httpProxy: "http://u:pa$$@proxy:3128" } }, error: /^containerd\.httpProxy: .* has whitespace, a quote, a backslash or a \$/ },
    { name: "a proxy that is a number", extra: { containerd: { httpsProxy: 3128 } }, error: /^containerd\.httpsProxy: must be an http\(s\) URL, not 3128/ },
    { name: "noProxy without a proxy", extra: { containerd: { noProxy: [".corp"] } }, error: /^containerd\.noProxy: needs containerd\.httpProxy or containerd\.httpsProxy/ },
    { name: "a noProxy entry with a space", extra: { containerd: { httpProxy: "http://p:1", noProxy: ["a b"] } }, error: /^containerd\.noProxy\[0\]: "a b" is not a host, domain, address or CIDR/ },
  ])("refuses $name", ({ extra, error }) => {
    expect(() => inventory(extra)).toThrow(expect.objectContaining({ code: "inventory-invalid", message: expect.stringMatching(error) }));
  });
});

describe("the images stage", () => {
  it("without images: no import unit, no ctr, and the kubelet does not wait for one", async () => {
    const plan = buildPlan(inventory());
    for (const n of plan.nodes) {
      expect(n.units.map((u) => u.name)).not.toContain("k8s-pki-images.service");
      expect(n.files.map((f) => f.path)).not.toContain("/usr/local/bin/ctr");
    }
    expect(text(await worker(), "/etc/systemd/system/kubelet.service")).not.toContain("k8s-pki-images");
  });

  it("copies each archive to workers only, as it is, and the unit reads them and ctr", () => {
    const plan = buildPlan(inventory({ images: IMAGES }));
    const [m1, w1] = plan.nodes;
    expect(m1!.files.filter((f) => f.path.startsWith("/var/lib/k8s-pki/images/"))).toEqual([]);
    expect(w1!.files.filter((f) => f.path.startsWith("/var/lib/k8s-pki/images/"))).toEqual([
      { path: "/var/lib/k8s-pki/images/coredns.oci.tar", mode: 0o644, owner: "root:root", source: { kind: "local-file", localPath: "/srv/images/coredns.oci.tar" }, secret: false },
      { path: "/var/lib/k8s-pki/images/pause-3.10.2.tar", mode: 0o644, owner: "root:root", source: { kind: "local-file", localPath: "images/pause-3.10.2.tar" }, secret: false },
    ]);
    const unit = w1!.units.find((u) => u.name === "k8s-pki-images.service");
    expect(unit?.stage).toBe("worker");
    expect(unit?.inputs.slice(1)).toEqual(["/usr/local/bin/ctr", "/var/lib/k8s-pki/images/pause-3.10.2.tar", "/var/lib/k8s-pki/images/coredns.oci.tar"]);
    // A stage starts its units in plan order: containerd, the import, then the kubelet.
    const order = w1!.units.map((u) => u.name);
    expect(order.indexOf("containerd.service")).toBeLessThan(order.indexOf("k8s-pki-images.service"));
    expect(order.indexOf("k8s-pki-images.service")).toBeLessThan(order.indexOf("kubelet.service"));
    expect(renderPlanText(plan)).toContain("copy of images/pause-3.10.2.tar");
  });

  it("renders the archives as local files and the unit as a oneshot importing each into k8s.io, between containerd and the kubelet", async () => {
    const w = await worker({ images: IMAGES });
    expect(w.files.find((f) => f.path === "/var/lib/k8s-pki/images/pause-3.10.2.tar")?.content).toEqual({ localPath: "images/pause-3.10.2.tar" });
    const unit = text(w, "/etc/systemd/system/k8s-pki-images.service");
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^RemainAfterExit=yes$/m);
    expect(unitLine(unit, "After")).toEqual(["containerd.service"]);
    expect(unitLine(unit, "Requires")).toEqual(["containerd.service"]);
    expect(unitLine(unit, "Before")).toEqual(["kubelet.service"]);
    const imports = unit
      .replace(/\\\n/g, " ")
      .split("\n")
      .filter((l) => l.startsWith("ExecStart="))
      .map((l) => l.slice("ExecStart=".length).trim().split(/\s+/));
    const flags = ["--address=/run/containerd/containerd.sock", "--namespace=k8s.io", "images", "import", "--label=io.cri-containerd.pinned=pinned"];
    expect(imports).toEqual([
      ["/usr/local/bin/ctr", ...flags, "/var/lib/k8s-pki/images/pause-3.10.2.tar"],
      ["/usr/local/bin/ctr", ...flags, "/var/lib/k8s-pki/images/coredns.oci.tar"],
    ]);
    const kubelet = text(w, "/etc/systemd/system/kubelet.service");
    expect(unitLine(kubelet, "After")).toContain("k8s-pki-images.service");
    expect(unitLine(kubelet, "Wants")).toContain("k8s-pki-images.service");
  });

  // ctr 2.x of the container-runtime fixture (scripts/fixtures.sh); Debian's 1.6 has no --label on import.
  it("the import's flags are ones the real ctr accepts", async () => {
    // The pinned fixture's ctr: missing, the test fails with the command that builds it (never a skip).
    const ctr = join(fixtureDir("container-runtime"), "ctr");
    if (!existsSync(ctr)) throw new Error(`${ctr} is missing: build it with scripts/fixtures.sh container-runtime`);
    const w = await worker({ images: IMAGES });
    const args = execStartOf(text(w, "/etc/systemd/system/k8s-pki-images.service")).slice(1);
    const global = spawnSync(ctr, ["--help"], { encoding: "utf8" }).stdout;
    const imp = spawnSync(ctr, ["images", "import", "--help"], { encoding: "utf8" }).stdout;
    for (const f of args.slice(0, 2)) expect(global, f).toContain(f.replace(/=.*/, ""));
    expect(args.slice(2, 4)).toEqual(["images", "import"]);
    expect(imp).toContain("--label");
  });
});

describe("containerd mirrors and proxy", () => {
  it("writes one hosts.toml per registry, docker.io served by registry-1.docker.io, read by containerd", async () => {
    const inv = { containerd: { mirrors: { "docker.io": ["https://m1.example", "http://m2.example:5000"], "registry.k8s.io": ["https://m1.example/v2/k8s"] } } };
    const w = await worker(inv);
    expect(text(w, "/etc/containerd/certs.d/docker.io/hosts.toml")).toBe(
      [
        "# Pulls from docker.io try these mirrors in order, then the registry; written by k8s-pki (inventory containerd.mirrors).",
        'server = "https://registry-1.docker.io"',
        "",
        '[host."https://m1.example"]',
        '  capabilities = ["pull", "resolve"]',
        "",
        '[host."http://m2.example:5000"]',
        '  capabilities = ["pull", "resolve"]',
        "",
      ].join("\n"),
    );
    expect(text(w, "/etc/containerd/certs.d/registry.k8s.io/hosts.toml")).toContain('server = "https://registry.k8s.io"\n');
    const unit = buildPlan(inventory(inv)).nodes[1]!.units.find((u) => u.name === "containerd.service")!;
    expect(unit.inputs).toEqual(expect.arrayContaining(["/etc/containerd/certs.d/docker.io/hosts.toml", "/etc/containerd/certs.d/registry.k8s.io/hosts.toml"]));
  });

  it("puts the proxy in containerd's environment, NO_PROXY with the Services, pods and nodes", async () => {
    const w = await worker({ containerd: { httpProxy: "http://proxy:3128", httpsProxy: "http://proxy:3129/%7e", noProxy: [".corp"] } });
    const env = text(w, "/etc/systemd/system/containerd.service")
      .split("\n")
      .filter((l) => l.startsWith("Environment="));
    expect(env.slice(1)).toEqual([
      "Environment=HTTP_PROXY=http://proxy:3128",
      "Environment=HTTPS_PROXY=http://proxy:3129/%%7e",
      "Environment=NO_PROXY=.corp,10.254.0.0/16,172.30.0.0/16,10.0.0.11,10.0.1.1",
    ]);
    expect(text(await worker(), "/etc/systemd/system/containerd.service")).not.toMatch(/PROXY/);
  });

  it("the plan notes the images, the mirrors and the proxy", () => {
    const txt = renderPlanText(
      buildPlan(inventory({ images: ["images/pause.tar"], containerd: { mirrors: { "docker.io": ["https://m.example"] }, httpsProxy: "http://proxy:3128" } })),
    );
    expect(txt).toContain("  - containerd.mirrors: pulls from docker.io try https://m.example first (/etc/containerd/certs.d/docker.io/hosts.toml)\n");
    expect(txt).toContain("  - containerd proxy: image pulls go HTTPS through http://proxy:3128; NO_PROXY has 10.254.0.0/16, 172.30.0.0/16 and the node addresses\n");
    expect(txt).toContain("  - images: 1 archive(s) copied to every worker and imported into containerd (namespace k8s.io) before the kubelet starts: images/pause.tar\n");
  });
});
