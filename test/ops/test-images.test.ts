// The container images for clusters with no registry (scripts/fixtures.sh,
// component images; assembled by scripts/build-test-images.js): each archive
// is a valid OCI image layout named as the deployer and the smoke test expect,
// the assembly is reproducible to the byte, and the images really run: imported
// into a real containerd (started here, on its own socket and root) and run
// with runc through `ctr run`.
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_VERSIONS } from "../../packages/deploy/src/inventory.js";
import { pinnedVersions, repoRoot } from "../harness/binaries.js";
import { withTempDir } from "../harness/fixtures.js";
import { startProcess, waitFor, type ManagedProcess } from "../harness/process.js";

const run = promisify(execFile);
const tmp = withTempDir("k8s-pki-test-images-");
const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const REQUIRED_APPLETS = ["sh", "httpd", "nc", "nslookup", "hostname", "sleep", "cat", "echo"];
const COREDNS_PLUGINS = ["kubernetes", "forward", "cache", "health", "ready", "prometheus", "loop", "reload", "loadbalance", "errors"];

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}
interface ImageConfig {
  architecture: string;
  os: string;
  created: string;
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; Labels?: Record<string, string> };
  rootfs: { type: string; diff_ids: string[] };
}
interface Image {
  file: string;
  name: string;
  path: string;
}
/** An archive unpacked and walked: index → manifest → config → layers, every blob checked against its descriptor. */
interface Walked {
  index: { schemaVersion: number; mediaType: string; manifests: Descriptor[] };
  manifest: { schemaVersion: number; mediaType: string; config: Descriptor; layers: Descriptor[] };
  config: ImageConfig;
  layers: Buffer[];
  blobs: string[];
  checked: string[];
}

const fixturesDir = execFileSync("bash", [join(repoRoot, "scripts/fixtures.sh"), "--dir", "images"], { encoding: "utf8" }).trim();
const pins = pinnedVersions();
const busyboxVersion = execFileSync("dpkg-query", ["-W", "-f=${Version}", "busybox-static"], { encoding: "utf8" }).trim();

let images: Image[];
const byFile = (file: string): Image => images.find((i) => i.file === file)!;
const walked = new Map<string, Walked>();

function walk(archive: string): Walked {
  const dir = join(tmp.path, "layouts", archive.replace(/[^a-z0-9]/gi, "_"));
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-xf", archive, "-C", dir]);
  const checked: string[] = [];
  const blob = (d: Descriptor): Buffer => {
    expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const data = readFileSync(join(dir, "blobs", ...d.digest.split(":")));
    expect(`sha256:${sha256(data)}`, d.mediaType).toBe(d.digest);
    expect(data.length, d.mediaType).toBe(d.size);
    checked.push(d.digest.slice(7));
    return data;
  };
  expect(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as Walked["index"];
  expect(index.manifests).toHaveLength(1);
  const manifest = JSON.parse(blob(index.manifests[0]!).toString()) as Walked["manifest"];
  const config = JSON.parse(blob(manifest.config).toString()) as ImageConfig;
  const layers = manifest.layers.map((l) => gunzipSync(blob(l)));
  return { index, manifest, config, layers, blobs: readdirSync(join(dir, "blobs/sha256")).sort(), checked: checked.sort() };
}

/** `tar -tv` of a layer: path → the listing's mode, owner and link target. */
function listLayer(layer: Buffer): Map<string, { mode: string; owner: string; target?: string }> {
  const out = execFileSync("tar", ["--numeric-owner", "-tv"], { input: layer, encoding: "utf8", maxBuffer: 1 << 24 });
  const entries = new Map<string, { mode: string; owner: string; target?: string }>();
  for (const line of out.trim().split("\n")) {
    const f = line.split(/\s+/);
    const rest = f.slice(5).join(" ");
    const [path, target] = rest.split(" -> ");
    entries.set(path!, { mode: f[0]!, owner: f[1]!, ...(target === undefined ? {} : { target }) });
  }
  return entries;
}

beforeAll(() => {
  const list = join(fixturesDir, "images.txt");
  // A missing fixture is a failure, not a skip: CI builds it with scripts/fixtures.sh (no arguments).
  expect(existsSync(list), `${list} is missing: build the images with scripts/fixtures.sh images`).toBe(true);
  images = readFileSync(list, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [file, name] = l.split(" ");
      return { file: file!, name: name!, path: join(fixturesDir, file!) };
    });
  for (const i of images) walked.set(i.file, walk(i.path));
});

describe("the image archives of scripts/fixtures.sh images", () => {
  it("lists pause, busybox and CoreDNS with the names the cluster uses", () => {
    expect(images.map((i) => i.file)).toEqual(["pause.tar", "busybox.tar", "coredns.tar"]);
    // The sandbox image containerd's config names (render/containerd.ts), so the runtime never pulls it.
    expect(byFile("pause.tar").name).toBe(`registry.k8s.io/pause:${DEFAULT_VERSIONS.pause}`);
    expect(pins.get("PAUSE_VERSION")).toBe(DEFAULT_VERSIONS.pause);
    expect(byFile("coredns.tar").name).toBe(`registry.k8s.io/coredns/coredns:${pins.get("COREDNS_VERSION")}`);
    expect(byFile("busybox.tar").name).toMatch(/^k8s-pki\.test\/busybox:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
    expect(byFile("busybox.tar").name).toContain(busyboxVersion.replace(/^\d+:/, "").split("-")[0]);
  });

  it.each(["pause.tar", "busybox.tar", "coredns.tar"])("%s is a valid OCI image layout: media types, digests, sizes, diff_ids, annotations", (file) => {
    const w = walked.get(file)!;
    const name = byFile(file).name;
    expect(w.index.schemaVersion).toBe(2);
    expect(w.index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const md = w.index.manifests[0]!;
    expect(md.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(md.platform).toEqual({ architecture: "amd64", os: "linux" });
    expect(md.annotations).toEqual({ "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.slice(name.lastIndexOf(":") + 1) });
    expect(w.manifest.schemaVersion).toBe(2);
    expect(w.manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(w.manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(w.manifest.layers.map((l) => l.mediaType)).toEqual(w.layers.map(() => "application/vnd.oci.image.layer.v1.tar+gzip"));
    expect(w.layers.length).toBeGreaterThan(0);
    expect(w.config).toMatchObject({ architecture: "amd64", os: "linux" });
    expect(w.config.rootfs).toEqual({ type: "layers", diff_ids: w.layers.map((l) => `sha256:${sha256(l)}`) });
    // Every blob in the folder is one the walk reached and checked: nothing stray, nothing missing.
    expect(w.blobs).toEqual(w.checked);
  });

  it("pause: the static /pause alone, run as 65535", () => {
    const w = walked.get("pause.tar")!;
    const files = listLayer(w.layers[0]!);
    expect([...files.keys()]).toEqual(["pause"]);
    expect(files.get("pause")!.mode).toBe("-rwxr-xr-x");
    expect(w.config.config).toMatchObject({ User: "65535:65535", Entrypoint: ["/pause"] });
  });

  it("busybox: /bin/busybox, a symlink per applet (the smoke test's among them), /tmp 1777, passwd and group, cmd sh", () => {
    const w = walked.get("busybox.tar")!;
    const files = listLayer(w.layers[0]!);
    const applets = execFileSync("/bin/busybox", ["--list-full"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((a) => a !== "bin/busybox");
    expect(applets.length).toBeGreaterThan(100);
    for (const a of applets) expect(files.get(a), a).toMatchObject({ mode: "lrwxrwxrwx", target: "/bin/busybox" });
    const names = new Set([...files].filter(([, e]) => e.target === "/bin/busybox").map(([p]) => p.slice(p.lastIndexOf("/") + 1)));
    for (const a of REQUIRED_APPLETS) expect(names, a).toContain(a);
    expect(files.get("bin/busybox")!.mode).toBe("-rwxr-xr-x");
    expect(files.get("tmp/")!.mode).toBe("drwxrwxrwt");
    expect(files.has("etc/passwd") && files.has("etc/group")).toBe(true);
    for (const e of files.values()) expect(e.owner).toBe("0/0");
    expect(w.config.config.Cmd).toEqual(["sh"]);
    expect(w.config.config.Env).toEqual(["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]);
  });

  it("coredns: /coredns as the entrypoint, run as root (binding :53 needs no file capability), CA certificates", () => {
    const w = walked.get("coredns.tar")!;
    const files = listLayer(w.layers[0]!);
    expect(files.get("coredns")!.mode).toBe("-rwxr-xr-x");
    if (existsSync("/etc/ssl/certs/ca-certificates.crt")) expect(files.has("etc/ssl/certs/ca-certificates.crt")).toBe(true);
    expect(w.config.config.Entrypoint).toEqual(["/coredns"]);
    expect(w.config.config.User).toBeUndefined();
  });

  it("is reproducible: assembling again from the same binaries gives the cached archives, byte for byte", async () => {
    // The binaries come out of the cached images themselves, so this checks the assembly step, not the Go builds.
    const bins = join(tmp.path, "bins");
    mkdirSync(bins);
    // Each in a folder of its own under its own name: busybox picks its applet from argv[0].
    const extract = (file: string, member: string): string => {
      const out = join(bins, file, member.slice(member.lastIndexOf("/") + 1));
      mkdirSync(join(bins, file));
      writeFileSync(out, execFileSync("tar", ["-xO", member], { input: walked.get(file)!.layers[0]!, maxBuffer: 1 << 28 }), { mode: 0o755 });
      return out;
    };
    const args = [
      ...["--pause", extract("pause.tar", "pause"), "--pause-version", pins.get("PAUSE_VERSION")!],
      ...["--busybox", extract("busybox.tar", "bin/busybox"), "--busybox-version", busyboxVersion],
      ...["--coredns", extract("coredns.tar", "coredns"), "--coredns-version", pins.get("COREDNS_VERSION")!],
    ];
    const script = join(repoRoot, "scripts/build-test-images.js");
    // The cached archives are the first build (fixtures.sh ran the same script), this is the second.
    await run(process.execPath, [script, "--out", join(tmp.path, "a"), ...args]);
    for (const i of images) expect(sha256(readFileSync(join(tmp.path, "a", i.file))), i.file).toBe(sha256(readFileSync(i.path)));
    expect(readFileSync(join(tmp.path, "a/images.txt"), "utf8")).toBe(readFileSync(join(fixturesDir, "images.txt"), "utf8"));
  }, 300_000);
});

describe("the images in a real containerd", () => {
  let root: string;
  let socket: string;
  let containerd: ManagedProcess;
  const ids: string[] = [];
  const ctr = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run("ctr", ["--address", socket, "-n", "k8s-pki-test", ...args], { maxBuffer: 1 << 22 });
  /** `ctr run --rm IMAGE ID ARGS...`, its output. */
  const runIn = async (file: string, id: string, ...args: string[]): Promise<string> => {
    ids.push(id);
    return (await ctr("run", "--rm", byFile(file).name, id, ...args)).stdout;
  };

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
    for (const i of images) await ctr("images", "import", i.path);
  }, 120_000);

  afterAll(async () => {
    for (const id of ids) {
      await ctr("tasks", "kill", "-s", "SIGKILL", id).catch(() => undefined);
      await ctr("tasks", "delete", id).catch(() => undefined);
      await ctr("containers", "delete", id).catch(() => undefined);
    }
    for (const i of images ?? []) await ctr("images", "remove", i.name).catch(() => undefined);
    await containerd?.stop();
  });

  it("imports each archive under its name and manifest digest", async () => {
    const { stdout } = await ctr("images", "list");
    for (const i of images) {
      const row = stdout.split("\n").find((l) => l.startsWith(`${i.name} `));
      expect(row, stdout).toBeDefined();
      expect(row).toContain(walked.get(i.file)!.index.manifests[0]!.digest);
    }
  });

  it("busybox runs sh, and httpd serves a file nc fetches", async () => {
    expect(await runIn("busybox.tar", "images-hi", "sh", "-c", "echo hi")).toBe("hi\n");
    const page = await runIn("busybox.tar", "images-httpd", "sh", "-c", 'httpd -p 127.0.0.1:18080 -h /etc && printf "GET /passwd HTTP/1.0\\r\\n\\r\\n" | nc 127.0.0.1 18080');
    expect(page).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    expect(page).toMatch(/\r\n\r\nroot:x:0:0:/);
    expect(await runIn("busybox.tar", "images-applets", "sh", "-c", "hostname >/dev/null && sleep 0 && cat /etc/group && echo done")).toBe("root:x:0:\nnogroup:x:65534:\ndone\n");
  }, 60_000);

  it("pause runs as 65535, reaps the orphans of its PID namespace, and exits 0 within a second of SIGTERM", async () => {
    const id = "images-pause";
    ids.push(id);
    // Foreground `ctr run` exits with the task's status.
    const child = spawn("ctr", ["--address", socket, "-n", "k8s-pki-test", "run", "--rm", "--mount", "type=bind,src=/bin/busybox,dst=/busybox,options=rbind:ro", byFile("pause.tar").name, id], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const pid = await waitFor(
      async () => {
        const row = (await ctr("tasks", "list")).stdout.split("\n").find((l) => l.startsWith(`${id} `));
        return row?.includes("RUNNING") ? Number(row.split(/\s+/)[1]) : undefined;
      },
      { what: "the pause task to run", timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/^Uid:\s+65535\s/m);
    // A container in pause's PID namespace leaves an orphan behind; the kernel gives it to the namespace's
    // PID 1, pause, which must reap it when it exits, or it stays a zombie among pause's children.
    const children = (): number[] =>
      readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    // An exec'd shell (busybox bind-mounted in: the image has nothing but /pause) starts a sleep and exits; the
    // orphan goes to PID 1. (A second container sharing the namespace would not do: when its shell exits, the
    // shim kills every process it left.)
    await ctr("tasks", "exec", "--exec-id", "orphan", id, "/busybox", "sh", "-c", "sleep 2 </dev/null >/dev/null 2>&1 & exit 0");
    const orphan = await waitFor(() => children()[0], { what: "the orphan to be re-parented to pause", timeoutMs: 10_000, intervalMs: 50 });
    await waitFor(() => children().length === 0, { what: `pause to reap its child ${orphan}`, timeoutMs: 10_000, intervalMs: 100 });
    expect(existsSync(`/proc/${orphan}`)).toBe(false);
    const t0 = Date.now();
    await ctr("tasks", "kill", "-s", "SIGTERM", id);
    expect(await exited, stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
  }, 60_000);

  it("coredns prints its version and has the plugins a cluster's Corefile uses", async () => {
    const version = await runIn("coredns.tar", "images-coredns-version", "/coredns", "-version");
    expect(version).toMatch(new RegExp(`^CoreDNS-${pins.get("COREDNS_VERSION")!.slice(1).replace(/\./g, "\\.")}\\n`));
    const plugins = (await runIn("coredns.tar", "images-coredns-plugins", "/coredns", "-plugins")).split("\n").map((l) => l.trim());
    for (const p of COREDNS_PLUGINS) expect(plugins, p).toContain(p);
  }, 60_000);
});
