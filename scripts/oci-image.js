// OCI image-layout archives written from Node alone: no registry, no Docker
// engine, no tar program. scripts/build-image.js (the approver) and
// scripts/build-test-images.js (pause, busybox, CoreDNS) both use it.
//
// Reproducible by construction: tar entries sorted by path, every mtime the
// given epoch, owners numeric with fixed names, gzip without a name or time,
// JSON with a fixed key order. The same inputs give the same bytes, so the
// same digests, which is what lets a cache or a test compare two builds.
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";

/** The distroless "nonroot" user the approver and upstream's CoreDNS run as. */
export const NONROOT = 65532;
/** Owner names written into tar headers; runtimes use the numbers, tools such as `tar -tv` show the names. */
const USER_NAMES = new Map([
  [0, "root"],
  [NONROOT, "nonroot"],
]);

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
  if (e.type === "symlink" && Buffer.byteLength(e.target) > 100) throw new Error(`symlink target too long for ustar: ${e.path} -> ${e.target}`);
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
  h.write(USER_NAMES.get(e.uid ?? 0) ?? "", 265, 32, "ascii");
  h.write(USER_NAMES.get(e.gid ?? 0) ?? "", 297, 32, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, 8, "ascii");
  return h;
}

/**
 * A tar of the entries in path order (parents before children), ending with two zero blocks.
 * An entry: { type: "file", path, mode, data, uid?, gid? } | { type: "dir", path: "x/", ... } | { type: "symlink", path, target, mode }.
 */
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

/**
 * A root file system under construction: files create their missing parent
 * folders (0755, root), and a later call for the same path replaces the earlier
 * one, so a folder's mode can be set after its files. Paths have no leading slash.
 */
export function fileTree() {
  const entries = new Map();
  const dir = (path, mode = 0o755, owner = 0) => entries.set(path, { type: "dir", path: `${path}/`, mode, uid: owner, gid: owner });
  const parents = (path) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!entries.has(d)) dir(d);
    }
  };
  return {
    dir,
    file(path, data, mode = 0o644, owner = 0) {
      parents(path);
      entries.set(path, { type: "file", path, mode, data: Buffer.from(data), uid: owner, gid: owner });
    },
    symlink(path, target) {
      parents(path);
      entries.set(path, { type: "symlink", path, target, mode: 0o777 });
    },
    entries: () => [...entries.values()],
  };
}

// ---- the OCI layout ----

export const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const json = (v) => Buffer.from(JSON.stringify(v));

/** RFC 3339 time of a Unix epoch, without fractional seconds (as the OCI config's `created`). */
export function isoTime(epoch) {
  return new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
}

function blob(blobs, mediaType, data) {
  const digest = `sha256:${sha256(data)}`;
  blobs.set(digest, data);
  return { mediaType, digest, size: data.length };
}

/**
 * Writes one image as an OCI image-layout tarball (oci-layout, index.json,
 * blobs/sha256/...) that `ctr images import` loads under `name`.
 *
 * name: the full reference as containerd spells it (`registry.k8s.io/pause:3.10.2`,
 * `docker.io/library/x:1`); index.json carries it as `io.containerd.image.name`
 * and its tag as `org.opencontainers.image.ref.name`.
 * layers: arrays of tar entries (see tar), bottom first; each becomes one gzipped layer.
 * config: the runtime settings (user, exposedPorts, env, entrypoint, cmd, workingDir,
 * labels); absent ones are left out of the JSON.
 * history: { createdBy, comment }, one history entry for the whole image.
 * annotations: the manifest's annotations, if any.
 * epoch: Unix seconds for every mtime and `created`.
 *
 * Written to `out` through a temporary file and a rename, so an import never
 * reads half an archive. Returns the path, name, manifest digest, archive size
 * and the compressed size of each layer.
 */
export function writeOciArchive({ name, layers, config = {}, history = {}, annotations, epoch, out }) {
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`epoch must be a non-negative integer of seconds, not ${epoch}`);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon <= slash) throw new Error(`image name ${name} has no tag`);
  const created = isoTime(epoch);
  const blobs = new Map();
  const layerTars = layers.map((entries) => tar(entries, epoch));
  const layerGzs = layerTars.map((t) => gzipSync(t, { level: 9 }));
  const configBlob = blob(
    blobs,
    "application/vnd.oci.image.config.v1+json",
    json({
      created,
      architecture: "amd64",
      os: "linux",
      config: {
        User: config.user,
        ExposedPorts: config.exposedPorts,
        Env: config.env,
        Entrypoint: config.entrypoint,
        Cmd: config.cmd,
        WorkingDir: config.workingDir,
        Labels: config.labels,
      },
      rootfs: { type: "layers", diff_ids: layerTars.map((t) => `sha256:${sha256(t)}`) },
      history: [{ created, created_by: history.createdBy, comment: history.comment }],
    }),
  );
  const layerBlobs = layerGzs.map((gz) => blob(blobs, "application/vnd.oci.image.layer.v1.tar+gzip", gz));
  const manifest = blob(
    blobs,
    "application/vnd.oci.image.manifest.v1+json",
    json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: configBlob, layers: layerBlobs, annotations }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...manifest, platform: { architecture: "amd64", os: "linux" }, annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.slice(colon + 1) } }],
  };
  const layout = [
    { type: "file", path: "oci-layout", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
    { type: "file", path: "index.json", mode: 0o644, data: json(index) },
    { type: "dir", path: "blobs/", mode: 0o755 },
    { type: "dir", path: "blobs/sha256/", mode: 0o755 },
    ...[...blobs].map(([d, data]) => ({ type: "file", path: `blobs/sha256/${d.slice("sha256:".length)}`, mode: 0o644, data })),
  ];
  const archive = tar(layout, epoch);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, archive);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { path: out, name, digest: manifest.digest, size: archive.length, layerSizes: layerGzs.map((gz) => gz.length) };
}
