// The approver's OCI image archive (scripts/build-image.js): reproducible to
// the byte, a valid OCI image layout (every digest and size right, the right
// media types), named as `approver manifests` names it, and it really runs:
// imported into a real containerd (started here, on its own socket and root)
// and run with runc through `ctr run`, as the non-root user 65532.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approverImage } from "@k8s/bootstrap";
import { repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { freePort } from "../harness/ports.js";
import { startProcess, waitFor, type ManagedProcess } from "../harness/process.js";

const run = promisify(execFile);
const tmp = withTempDir("k8s-pki-image-");
const SCRIPT = join(repoRoot, "scripts/build-image.js");
const STANDALONE = join(repoRoot, "packages/cli/dist/k8s-pki");
const VERSION = (JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as { version: string }).version;
const EPOCH = "1764633600"; // 2025-12-02T00:00:00Z
const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

async function build(out: string): Promise<{ path: string; name: string; digest: string }> {
  const r = await run(process.execPath, [SCRIPT, "--out", out], { env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH }, maxBuffer: 1 << 20 });
  const [path, name, digest] = r.stdout.trim().split("\n");
  return { path: path!, name: name!, digest: digest! };
}

let first: { path: string; name: string; digest: string };
let layout: string;

beforeAll(async () => {
  // `npm test` builds it (scripts/test.sh runs `npm run build`); a missing bundle is a failure, not a skip.
  expect(existsSync(STANDALONE), `${STANDALONE} is missing: run npm run build:standalone`).toBe(true);
  first = await build(join(tmp.path, "a.oci.tar"));
  layout = join(tmp.path, "layout");
  mkdirSync(layout);
  execFileSync("tar", ["-xf", first.path, "-C", layout]);
}, 300_000);

describe("scripts/build-image.js", () => {
  it("is reproducible: a second build is the same archive, byte for byte", async () => {
    const second = await build(join(tmp.path, "b.oci.tar"));
    expect(second.digest).toBe(first.digest);
    expect(sha256(readFileSync(second.path))).toBe(sha256(readFileSync(first.path)));
  }, 300_000);

  it("writes a valid OCI image layout: media types, digests and sizes match their blobs", () => {
    expect(JSON.parse(readFileSync(join(layout, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const blobPath = (d: Descriptor): string => join(layout, "blobs", ...d.digest.split(":"));
    const checked = (d: Descriptor): Buffer => {
      expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const data = readFileSync(blobPath(d));
      expect(`sha256:${sha256(data)}`).toBe(d.digest);
      expect(data.length).toBe(d.size);
      return data;
    };
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests).toHaveLength(1);
    const md = index.manifests[0]!;
    expect(md.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(md.digest).toBe(first.digest);
    expect(md.platform).toEqual({ architecture: "amd64", os: "linux" });
    // The name `approver manifests` puts in the Deployment by default, as containerd spells it.
    expect(md.annotations?.["io.containerd.image.name"]).toBe(`docker.io/library/${approverImage(VERSION)}`);
    expect(first.name).toBe(`docker.io/library/${approverImage(VERSION)}`);
    const manifest = JSON.parse(checked(md).toString()) as { schemaVersion: number; mediaType: string; config: Descriptor; layers: Descriptor[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip"]);
    const config = JSON.parse(checked(manifest.config).toString()) as {
      architecture: string;
      os: string;
      created: string;
      config: { User: string; Entrypoint: string[]; Cmd: string[]; Labels: Record<string, string> };
      rootfs: { type: string; diff_ids: string[] };
    };
    const layer = gunzipSync(checked(manifest.layers[0]!));
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: [`sha256:${sha256(layer)}`] });
    expect(config).toMatchObject({ architecture: "amd64", os: "linux", created: "2025-12-02T00:00:00Z" });
    expect(config.config.User).toBe("65532:65532");
    expect(config.config.Entrypoint).toEqual(["/usr/local/bin/node", "/usr/local/lib/k8s-pki/k8s-pki.mjs"]);
    expect(config.config.Cmd).toEqual(["approver", "run"]);
    expect(config.config.Labels["org.opencontainers.image.version"]).toBe(VERSION);
    // images/approver/Dockerfile makes the same image for Docker users: same entrypoint, command, user and port.
    const dockerfile = readFileSync(join(repoRoot, "images/approver/Dockerfile"), "utf8");
    const instruction = (name: string): string | undefined => new RegExp(`^${name} (.*)$`, "m").exec(dockerfile)?.[1];
    expect(JSON.parse(instruction("ENTRYPOINT")!)).toEqual(config.config.Entrypoint);
    expect(JSON.parse(instruction("CMD")!)).toEqual(config.config.Cmd);
    expect(instruction("USER")).toBe(config.config.User);
    expect(instruction("EXPOSE")).toBe("8081");
    // Every blob in the folder is referenced: nothing stray.
    expect(readdirSync(join(layout, "blobs/sha256")).sort()).toEqual([md, manifest.config, manifest.layers[0]!].map((d) => d.digest.slice(7)).sort());
  });

  it("holds a minimal root file system: node and the libraries ldd lists, the bundle, CA certificates, user 65532; fixed owners and times", () => {
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Descriptor[] };
    const manifest = JSON.parse(readFileSync(join(layout, "blobs/sha256", index.manifests[0]!.digest.slice(7)), "utf8")) as { layers: Descriptor[] };
    const layerGz = join(layout, "blobs/sha256", manifest.layers[0]!.digest.slice(7));
    const listing = execFileSync("tar", ["--numeric-owner", "--full-time", "-tvzf", layerGz], { encoding: "utf8", maxBuffer: 1 << 24, env: { ...process.env, TZ: "UTC" } }).trim().split("\n");
    const paths = listing.map((l) => l.split(/\s+/).slice(5).join(" ").replace(/ -> .*$/, ""));
    expect(paths).toEqual([...paths].sort());
    for (const l of listing) expect(l).toContain("2025-12-02 00:00:00");
    const owners = new Set(listing.map((l) => l.split(/\s+/)[1]));
    expect([...owners].sort()).toEqual(["0/0", "65532/65532"]);
    const libs = execFileSync("ldd", [process.execPath], { encoding: "utf8" })
      .split("\n")
      .map((l) => /(\/\S+)\s+\(0x/.exec(l)?.[1]?.slice(1))
      .filter((p): p is string => p !== undefined);
    expect(libs.length).toBeGreaterThan(2);
    for (const p of ["usr/local/bin/node", "usr/local/lib/k8s-pki/k8s-pki.mjs", "etc/ssl/certs/ca-certificates.crt", "etc/passwd", "etc/group", ...libs]) expect(paths).toContain(p);
    // Small: nothing but what node needs (no shell, no package manager).
    expect(paths.filter((p) => !p.endsWith("/"))).toHaveLength(libs.length + 6);
    const passwd = execFileSync("tar", ["-xOzf", layerGz, "etc/passwd"], { encoding: "utf8" });
    expect(passwd).toMatch(/^nonroot:x:65532:65532:/m);
  });
});

describe("the image in a real containerd", () => {
  let root: string;
  let socket: string;
  let containerd: ManagedProcess;
  const ctr = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run("ctr", ["--address", socket, "-n", "k8s-pki-test", ...args], { maxBuffer: 1 << 22 });

  beforeAll(async () => {
    root = join(tmp.path, "containerd");
    socket = join(root, "containerd.sock");
    mkdirSync(root, { recursive: true });
    const config = join(root, "config.toml");
    // Its own root, state and socket, so nothing of the machine's containerd (if any) is touched; no CRI.
    writeFileSync(
      config,
      [`version = 2`, `root = "${root}/root"`, `state = "${root}/state"`, `[grpc]`, `  address = "${socket}"`, `[plugins."io.containerd.grpc.v1.cri"]`, `  disable = true`, ""].join("\n"),
    );
    containerd = await startProcess({ name: "containerd", command: "containerd", args: ["--config", config], logDir: join(root, "logs") });
    await waitFor(async () => (await ctr("version")).stdout.includes("Server:"), { what: "containerd", timeoutMs: 30_000, processes: [containerd] });
    await ctr("images", "import", first.path);
  }, 120_000);

  afterAll(async () => {
    for (const id of ["image-version", "image-user", "image-approver"]) {
      await ctr("tasks", "kill", "-s", "SIGKILL", id).catch(() => undefined);
      await ctr("tasks", "delete", id).catch(() => undefined);
      await ctr("containers", "delete", id).catch(() => undefined);
    }
    await ctr("images", "remove", first.name).catch(() => undefined);
    await containerd?.stop();
  });

  it("imports under the name and digest the build printed", async () => {
    const { stdout } = await ctr("images", "list");
    const row = stdout.split("\n").find((l) => l.startsWith(`${first.name} `));
    expect(row, stdout).toBeDefined();
    expect(row).toContain(first.digest);
  });

  it("runs k8s-pki version with its own node, as user 65532", async () => {
    const v = await ctr("run", "--rm", first.name, "image-version", "/usr/local/bin/node", "/usr/local/lib/k8s-pki/k8s-pki.mjs", "version");
    expect(v.stdout).toMatch(new RegExp(`^Version: ${VERSION.replace(/\./g, "\\.")} \\(cfssl 1\\.6\\.5 compatible\\)\\nRuntime: node v\\d+`));
    const u = await ctr("run", "--rm", first.name, "image-user", "/usr/local/bin/node", "-e", 'console.log(process.getuid(), process.getgid(), require("os").userInfo().username)');
    expect(u.stdout.trim()).toBe("65532 65532 nonroot");
  }, 60_000);

  it("runs the approver from its entrypoint: /healthz and /metrics answer, SIGTERM stops it", async () => {
    const port = await freePort();
    // No cluster here: the approver keeps retrying its API server (a closed port) and serves its endpoints meanwhile.
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n";
    writeFileSync(join(root, "kubeconfig"), kubeconfig);
    await ctr("run", "-d", "--net-host", "--mount", `type=bind,src=${root}/kubeconfig,dst=/kubeconfig,options=rbind:ro`, "--env", "KUBECONFIG=/kubeconfig", "--env", `K8S_PKI_APPROVER_LISTEN=127.0.0.1:${port}`, first.name, "image-approver");
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
      });
    await waitFor(async () => (await get("/healthz")).status === 200, { what: "the approver's /healthz in the container", timeoutMs: 60_000, processes: [containerd] });
    expect((await get("/metrics")).body).toMatch(/^k8s_pki_approver_leader 0$/m);
    const t0 = Date.now();
    await ctr("tasks", "kill", "-s", "SIGTERM", "image-approver");
    await waitFor(async () => !(await ctr("tasks", "list")).stdout.includes("image-approver") || /STOPPED/.test((await ctr("tasks", "list")).stdout), {
      what: "the approver to stop after SIGTERM",
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 120_000);
});
