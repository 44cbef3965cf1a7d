#!/usr/bin/env node
// Builds the approver's container image as an OCI image-layout tarball, with
// no registry and no Docker engine: one layer holding the standalone CLI
// (packages/cli/dist/k8s-pki, from `npm run build:standalone`), a Node runtime
// (this machine's node, or --node PATH) with the shared libraries ldd lists,
// ca-certificates and an /etc/passwd whose user 65532 runs it.
// images/approver/Dockerfile builds the same layout for users with Docker.
//
// Reproducible (scripts/oci-image.js writes the archive): every mtime
// SOURCE_DATE_EPOCH (default: the last commit's time). The same inputs (the
// bundle, the node binary and its libraries) give the same bytes, so the same
// digest.
//
// Usage: node scripts/build-image.js [--out FILE] [--node PATH] [--name NAME]
// Prints the archive path, the image name and the manifest digest.
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { NONROOT, fileTree, isoTime, writeOciArchive } from "./oci-image.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const STANDALONE = join(root, "packages/cli/dist/k8s-pki");
/** The repository part of the image name; packages/bootstrap's APPROVER_IMAGE_NAME says the same. */
export const IMAGE_NAME = "k8s-pki-approver";
export { NONROOT };
const BUNDLE_PATH = "usr/local/lib/k8s-pki/k8s-pki.mjs";
const NODE_PATH = "usr/local/bin/node";

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
  const { dir, file, entries } = fileTree();
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
  return entries();
}

// ---- the image ----

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
  const created = isoTime(epoch);
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
  const dest = out ?? join(root, `packages/cli/dist/${IMAGE_NAME}-${version}.oci.tar`);
  const r = writeOciArchive({
    name: fullName,
    layers: [rootfs(nodeBinary)],
    config: {
      user: `${NONROOT}:${NONROOT}`,
      exposedPorts: { "8081/tcp": {} },
      env: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot", "NODE_OPTIONS=--max-semi-space-size=1 --max-old-space-size=128"],
      entrypoint: [`/${NODE_PATH}`, `/${BUNDLE_PATH}`],
      cmd: ["approver", "run"],
      workingDir: "/home/nonroot",
      labels,
    },
    history: { createdBy: "scripts/build-image.js", comment: `k8s-pki ${version}, node ${nodeVersion}` },
    annotations: { "org.opencontainers.image.version": version, "org.opencontainers.image.created": created },
    epoch,
    out: dest,
  });
  return { path: r.path, name: r.name, ref, digest: r.digest, size: r.size, layerSize: r.layerSizes[0] };
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
