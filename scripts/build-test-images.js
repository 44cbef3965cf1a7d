#!/usr/bin/env node
// Assembles the container images a cluster with no registry imports (the
// deployer's images stage, the nspawn test bed) as OCI image-layout archives,
// from binaries built elsewhere (scripts/fixtures.sh, component images):
//   pause.tar    registry.k8s.io/pause:<pause version>: our static pause
//                (scripts/go/pause), named as containerd's sandbox_image names it,
//                so the runtime never tries to pull it;
//   busybox.tar  k8s-pki.test/busybox:<Debian version>: Debian's busybox-static
//                with a symlink per applet, for smoke tests (sh, httpd, nc, nslookup);
//   coredns.tar  registry.k8s.io/coredns/coredns:<version>: CoreDNS, static.
// and images.txt, one `<file> <image name>` line per archive, so that callers
// find the names without repeating the naming rules.
//
// Reproducible: every archive's bytes depend only on the input binaries, the
// versions and --epoch (a fixed date by default, not the commit time, so a cache
// folder named after the inputs stays right across commits).
//
// Usage: node scripts/build-test-images.js --out DIR --pause BIN --pause-version V
//   --busybox BIN --busybox-version DEBIAN_VERSION --coredns BIN --coredns-version V [--epoch SECONDS]
// Prints each image's file, name and size to stderr.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fileTree, writeOciArchive } from "./oci-image.js";

/** 2025-12-02T00:00:00Z: the default mtime and `created` of every image. */
export const DEFAULT_EPOCH = 1764633600;
/** Upstream's pause image runs as this user; nothing in a sandbox needs more. */
export const PAUSE_USER = 65535;
/** What the smoke checks and the tests run in the busybox image; a busybox without one of them is refused. */
export const REQUIRED_APPLETS = ["sh", "httpd", "nc", "nslookup", "hostname", "sleep", "cat", "echo"];
const SOURCE = "https://github.com/k8s-pki/k8s-pki";
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** A Debian version (`1:1.35.0-4+deb12u1+b1`) as an image tag: no epoch, only tag characters. */
export function busyboxTag(debianVersion) {
  return debianVersion.replace(/^\d+:/, "").replace(/[^A-Za-z0-9_.-]/g, "_");
}

const labels = (title, version) => ({
  "org.opencontainers.image.title": title,
  "org.opencontainers.image.version": version,
  "org.opencontainers.image.source": SOURCE,
});

function pauseImage({ binary, version }) {
  const t = fileTree();
  t.file("pause", readFileSync(binary), 0o755);
  return {
    file: "pause.tar",
    name: `registry.k8s.io/pause:${version}`,
    layers: [t.entries()],
    config: { user: `${PAUSE_USER}:${PAUSE_USER}`, entrypoint: ["/pause"], workingDir: "/", labels: labels("pause (k8s-pki)", version) },
    history: { createdBy: "scripts/build-test-images.js", comment: `scripts/go/pause ${version}` },
  };
}

/** Applet paths (`bin/sh`, `usr/sbin/httpd`) as the binary itself lists them. */
function applets(binary) {
  const list = execFileSync(binary, ["--list-full"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().replace(/^\/+/, ""))
    .filter((l) => l !== "" && l !== "bin/busybox");
  const names = new Set(list.map((p) => p.slice(p.lastIndexOf("/") + 1)));
  const missing = REQUIRED_APPLETS.filter((a) => !names.has(a));
  if (missing.length > 0) throw new Error(`${binary} lacks the applets ${missing.join(", ")}`);
  return list;
}

function busyboxImage({ binary, debianVersion }) {
  const t = fileTree();
  t.file("bin/busybox", readFileSync(binary), 0o755);
  for (const path of applets(binary)) t.symlink(path, "/bin/busybox");
  t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  t.file("etc/group", "root:x:0:\nnogroup:x:65534:\n");
  t.dir("root", 0o700);
  t.dir("tmp", 0o1777);
  const tag = busyboxTag(debianVersion);
  return {
    file: "busybox.tar",
    name: `k8s-pki.test/busybox:${tag}`,
    layers: [t.entries()],
    config: { env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], cmd: ["sh"], workingDir: "/", labels: labels("busybox (Debian busybox-static)", debianVersion) },
    history: { createdBy: "scripts/build-test-images.js", comment: `Debian busybox-static ${debianVersion}` },
  };
}

function corednsImage({ binary, version }) {
  const t = fileTree();
  t.file("coredns", readFileSync(binary), 0o755);
  // For forward to DNS over TLS and for the cloud plugins; the kubernetes plugin brings its own CA.
  if (existsSync(CA_BUNDLE)) t.file(CA_BUNDLE.slice(1), readFileSync(CA_BUNDLE));
  return {
    file: "coredns.tar",
    name: `registry.k8s.io/coredns/coredns:${version}`,
    layers: [t.entries()],
    // Root, with no User: upstream's image runs as 65532 but relies on a file
    // capability (setcap cap_net_bind_service) to bind :53, which a plain
    // ustar layer cannot carry; a non-root process loses the capabilities a
    // pod adds when it execs a binary without one. Root binds :53 everywhere.
    config: { exposedPorts: { "53/tcp": {}, "53/udp": {} }, entrypoint: ["/coredns"], workingDir: "/", labels: labels("CoreDNS", version) },
    history: { createdBy: "scripts/build-test-images.js", comment: `github.com/coredns/coredns ${version}` },
  };
}

/** Writes the three archives and images.txt into `out`; returns one `{ file, name, path, digest, size }` per image. */
export function buildTestImages({ out, pause, pauseVersion, busybox, busyboxVersion, coredns, corednsVersion, epoch = DEFAULT_EPOCH }) {
  const images = [pauseImage({ binary: pause, version: pauseVersion }), busyboxImage({ binary: busybox, debianVersion: busyboxVersion }), corednsImage({ binary: coredns, version: corednsVersion })];
  mkdirSync(out, { recursive: true });
  const results = images.map((img) => {
    const r = writeOciArchive({ name: img.name, layers: img.layers, config: img.config, history: img.history, epoch, out: join(out, img.file) });
    return { file: img.file, name: r.name, path: r.path, digest: r.digest, size: r.size };
  });
  const list = join(out, "images.txt");
  writeFileSync(`${list}.tmp`, results.map((r) => `${r.file} ${r.name}\n`).join(""));
  renameSync(`${list}.tmp`, list);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = ["out", "pause", "pause-version", "busybox", "busybox-version", "coredns", "coredns-version"];
  const { values } = parseArgs({ options: Object.fromEntries([...names, "epoch"].map((n) => [n, { type: "string" }])) });
  try {
    const missing = names.filter((n) => !values[n]);
    if (missing.length > 0) throw new Error(`missing ${missing.map((n) => `--${n}`).join(", ")}`);
    const epoch = values.epoch === undefined ? DEFAULT_EPOCH : Number(values.epoch);
    const results = buildTestImages({
      out: values.out,
      pause: values.pause,
      pauseVersion: values["pause-version"],
      busybox: values.busybox,
      busyboxVersion: values["busybox-version"],
      coredns: values.coredns,
      corednsVersion: values["coredns-version"],
      epoch,
    });
    for (const r of results) process.stderr.write(`[images] ${r.file} ${r.name} ${(r.size / 1048576).toFixed(1)} MiB ${r.digest}\n`);
  } catch (e) {
    rmSync(join(values.out ?? ".", "images.txt.tmp"), { force: true });
    process.stderr.write(`build-test-images: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
