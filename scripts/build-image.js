#!/usr/bin/env node
// Builds the approver's container image as an OCI image-layout tarball, with
// no registry and no Docker engine: one layer holding the standalone CLI
// (packages/cli/dist/k8s-pki, from `npm run build:standalone`), a Node runtime
// (this machine's node, or --node PATH) with the shared libraries ldd lists,
// ca-certificates and an /etc/passwd whose user 65532 runs it.
// images/approver/Dockerfile builds the same layout for users with Docker.
//
// Reproducible: entries sorted, every mtime SOURCE_DATE_EPOCH (default: the
// last commit's time), owners numeric, gzip without a name or time, JSON with
// fixed key order. The same inputs (the bundle, the node binary and its
// libraries) give the same bytes, so the same digest.
//
// Usage: node scripts/build-image.js [--out FILE] [--node PATH] [--name NAME]
// Prints the archive path, the image name and the manifest digest.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../", import.meta.url));
const STANDALONE = join(root, "packages/cli/dist/k8s-pki");
/** The repository part of the image name; packages/bootstrap's APPROVER_IMAGE_NAME says the same. */
export const IMAGE_NAME = "k8s-pki-approver";
export const NONROOT = 65532;
const BUNDLE_PATH = "usr/local/lib/k8s-pki/k8s-pki.mjs";
const NODE_PATH = "usr/local/bin/node";

// ---- a deterministic ustar writer ----

function octal(n, width) {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** One ustar header; paths longer than 100 bytes are split into prefix and name. */
function tarHeader(e, mtime) {
  const h = Buffer.alloc(512);
  let name = e.path;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for ustar: ${e.path}`);
  }
  h.write(name, 0, 100, "utf8");
  h.write(octal(e.mode, 8), 100, 8, "ascii");
  h.write(octal(e.uid ?? 0, 8), 108, 8, "ascii");
  h.write(octal(e.gid ?? 0, 8), 116, 8, "ascii");
  h.write(octal(e.type === "file" ? e.data.length : 0, 12), 124, 12, "ascii");
  h.write(octal(mtime, 12), 136, 12, "ascii");
  h.write(" ".repeat(8), 148, 8, "ascii");
  h.write(e.type === "dir" ? "5" : e.type === "symlink" ? "2" : "0", 156, 1, "ascii");
  if (e.type === "symlink") h.write(e.target, 157, 100, "utf8");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(e.uid === NONROOT ? "nonroot" : "root", 265, 32, "ascii");
  h.write(e.gid === NONROOT ? "nonroot" : "root", 297, 32, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, 8, "ascii");
  return h;
}

/** A tar of the entries in path order (parents before children), ending with two zero blocks. */
export function tar(entries, mtime) {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts = [];
  for (const e of sorted) {
    parts.push(tarHeader(e, mtime));
    if (e.type === "file") {
      parts.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---- the root file system ----

/** Shared libraries of a dynamically linked binary, as `[path in the image, file on this machine]`. */
function sharedLibraries(binary) {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  const libs = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(?:\S+\s+=>\s+)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.push([m[1].replace(/^\//, ""), realpathSync(m[1])]);
  }
  if (libs.length === 0 && !/not a dynamic executable|statically linked/.test(out)) throw new Error(`ldd ${binary}: no libraries found in:\n${out}`);
  return libs;
}

function rootfs(nodeBinary) {
  const files = new Map();
  const dir = (path, mode = 0o755, owner = 0) => files.set(path, { type: "dir", path: `${path}/`, mode, uid: owner, gid: owner });
  const file = (path, data, mode = 0o644) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!files.has(d)) dir(d);
    }
    files.set(path, { type: "file", path, mode, data: Buffer.from(data) });
  };
  file(NODE_PATH, readFileSync(nodeBinary), 0o755);
  for (const [inImage, onHost] of sharedLibraries(nodeBinary)) file(inImage, readFileSync(onHost), 0o755);
  file(BUNDLE_PATH, readFileSync(STANDALONE), 0o755);
  file("etc/ssl/certs/ca-certificates.crt", readFileSync("/etc/ssl/certs/ca-certificates.crt"));
  file("etc/passwd", `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${NONROOT}:${NONROOT}:nonroot:/home/nonroot:/sbin/nologin\n`);
  file("etc/group", `root:x:0:\nnonroot:x:${NONROOT}:\n`);
  file("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
  dir("home");
  dir("home/nonroot", 0o700, NONROOT);
  dir("root", 0o700);
  dir("tmp", 0o1777);
  return [...files.values()];
}

// ---- the OCI layout ----

const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const json = (v) => Buffer.from(JSON.stringify(v));

function blob(blobs, mediaType, data) {
  const digest = `sha256:${sha256(data)}`;
  blobs.set(digest, data);
  return { mediaType, digest, size: data.length };
}

function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync("git", ["-C", root, "log", "-1", "--format=%ct"], { encoding: "utf8" }).trim());
  } catch {
    return 0;
  }
}

export function buildImage({ out, nodeBinary = process.execPath, name } = {}) {
  const version = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8")).version;
  const ref = name ?? `${IMAGE_NAME}:${version}`;
  // containerd and the kubelet name images in full; a pod's `k8s-pki-approver:X` is this.
  const fullName = ref.includes("/") ? ref : `docker.io/library/${ref}`;
  try {
    statSync(STANDALONE);
  } catch {
    throw new Error(`${STANDALONE} is missing: run \`npm run build:standalone\` first`);
  }
  const epoch = sourceDateEpoch();
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
  const layerTar = tar(rootfs(nodeBinary), epoch);
  const layerGz = gzipSync(layerTar, { level: 9 });
  const nodeVersion = execFileSync(nodeBinary, ["--version"], { encoding: "utf8" }).trim();
  const labels = {
    "org.opencontainers.image.title": "k8s-pki approver",
    "org.opencontainers.image.description": "The k8s-pki CSR auto-approver for kubelet client and serving certificates (the whole k8s-pki CLI)",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.created": created,
    "org.opencontainers.image.licenses": "Apache-2.0",
    "org.opencontainers.image.source": "https://github.com/k8s-pki/k8s-pki",
    "io.k8s-pki.node-version": nodeVersion,
  };
  const blobs = new Map();
  const config = blob(
    blobs,
    "application/vnd.oci.image.config.v1+json",
    json({
      created,
      architecture: "amd64",
      os: "linux",
      config: {
        User: `${NONROOT}:${NONROOT}`,
        ExposedPorts: { "8081/tcp": {} },
        Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot", "NODE_OPTIONS=--max-semi-space-size=1 --max-old-space-size=128"],
        Entrypoint: [`/${NODE_PATH}`, `/${BUNDLE_PATH}`],
        Cmd: ["approver", "run"],
        WorkingDir: "/home/nonroot",
        Labels: labels,
      },
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layerTar)}`] },
      history: [{ created, created_by: "scripts/build-image.js", comment: `k8s-pki ${version}, node ${nodeVersion}` }],
    }),
  );
  const layer = blob(blobs, "application/vnd.oci.image.layer.v1.tar+gzip", layerGz);
  const manifest = blob(
    blobs,
    "application/vnd.oci.image.manifest.v1+json",
    json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer], annotations: { "org.opencontainers.image.version": version, "org.opencontainers.image.created": created } }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...manifest, platform: { architecture: "amd64", os: "linux" }, annotations: { "io.containerd.image.name": fullName, "org.opencontainers.image.ref.name": ref.slice(ref.lastIndexOf(":") + 1) } }],
  };
  const layout = [
    { type: "file", path: "oci-layout", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
    { type: "file", path: "index.json", mode: 0o644, data: json(index) },
    { type: "dir", path: "blobs/", mode: 0o755 },
    { type: "dir", path: "blobs/sha256/", mode: 0o755 },
    ...[...blobs].map(([d, data]) => ({ type: "file", path: `blobs/sha256/${d.slice("sha256:".length)}`, mode: 0o644, data })),
  ];
  const archive = tar(layout, epoch);
  const dest = out ?? join(root, `packages/cli/dist/${IMAGE_NAME}-${version}.oci.tar`);
  mkdirSync(dirname(dest), { recursive: true });
  // Write then rename: an import never reads half an archive.
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, archive);
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { path: dest, name: fullName, ref, digest: manifest.digest, size: archive.length, layerSize: layerGz.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" }, node: { type: "string" }, name: { type: "string" } } });
  try {
    const r = buildImage({ out: values.out, nodeBinary: values.node, name: values.name });
    process.stdout.write(`${r.path}\n${r.name}\n${r.digest}\n`);
  } catch (e) {
    process.stderr.write(`build-image: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
