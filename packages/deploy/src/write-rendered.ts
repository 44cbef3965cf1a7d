// writeRendered: a rendered cluster on disk, DIR/<node>/<path> with each file's mode.
//
// Making inodes dominates `deploy render`: a 53-node render has ~950 files in
// ~720 folders, and on the benchmark machine's ext4 each new file or folder
// costs ~40 us when the disk is quiet and 0.3-1 ms when other jobs load it. So:
//  - a new output folder is built in a hidden sibling staging folder that is
//    renamed into place in one step: no temp file and rename per file, and
//    nothing is visible at the final paths until every file is complete;
//  - byte-identical files with the same mode (ca.pem, kube-proxy's kubeconfig
//    and key, most worker files) are hard links to one inode (~10 us each):
//    530 of 950 files for 53 nodes. Editing one of them in place edits them all;
//    a re-render replaces the links rather than writing through them;
//  - the calls are synchronous: spreading them over libuv's pool (2 or 4 lanes)
//    measured no faster, inode creation serialises in the kernel, and each
//    round trip costs more than the call.
// An existing output folder is updated file by file (temp file, rename), never
// replaced, since it may hold files of the user's.
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fchmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync, chmodSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { DeployError } from "./errors.js";
import { manifestText } from "./render.js";
import type { RenderedNode } from "./rendered.js";

interface Write {
  /** Relative to the output folder. */
  rel: string;
  content: Buffer;
  mode: number;
}

/** Private keys are 0600 whatever the umask; other files get their mode less the umask, as any new file. */
const isSecret = (mode: number): boolean => mode === 0o600;

function plannedWrites(nodes: RenderedNode[]): Write[] {
  const writes: Write[] = [];
  for (const node of nodes) {
    if (node.name.includes("/") || node.name.startsWith(".") || node.name === "") throw new DeployError("render-failed", `node name ${node.name} is not a folder name`, { field: node.name });
    for (const f of node.files) {
      if (!Buffer.isBuffer(f.content)) continue;
      const rel = join(node.name, f.path);
      // join() resolves "..": a path that climbs out no longer starts with the node's folder.
      if (!rel.startsWith(node.name + sep) || rel.length === node.name.length + 1) throw new DeployError("render-failed", `${node.name}: ${f.path} leaves the node's folder`, { field: f.path });
      writes.push({ rel, content: f.content, mode: f.mode });
    }
    writes.push({ rel: `${node.name}.manifest.txt`, content: Buffer.from(manifestText(node)), mode: 0o644 });
  }
  return writes;
}

/** Every folder the writes need (with their ancestors), parents before children. */
function foldersOf(writes: Write[]): string[] {
  const dirs = new Set<string>();
  for (const w of writes) {
    for (let d = dirname(w.rel); d !== "." && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  // A folder's path is a prefix of its children's, so it sorts first.
  return [...dirs].sort();
}

function writeNew(path: string, content: Buffer, mode: number, umask: number): void {
  const fd = openSync(path, "wx", mode);
  try {
    for (let off = 0; off < content.length; ) off += writeSync(fd, content, off);
    if (isSecret(mode) && (mode & ~umask) !== mode) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/** Writes every file under `root` (an empty folder of ours), hard-linking duplicates. */
function fillFresh(root: string, writes: Write[], umask: number): void {
  for (const d of foldersOf(writes)) mkdirSync(join(root, d));
  const first = new Map<string, Write>();
  for (const w of writes) {
    const key = `${w.mode}:${createHash("sha256").update(w.content).digest("base64")}`;
    const twin = first.get(key);
    if (twin?.content.equals(w.content)) {
      linkSync(join(root, twin.rel), join(root, w.rel));
      continue;
    }
    first.set(key, w);
    writeNew(join(root, w.rel), w.content, w.mode, umask);
  }
}

/** Into a folder that exists: each file through a sibling temp file and a rename, so a reader sees the old or the new file. */
function updateExisting(outDir: string, writes: Write[], umask: number): void {
  for (const d of foldersOf(writes)) mkdirSync(join(outDir, d), { recursive: true });
  for (const w of writes) {
    const target = join(outDir, w.rel);
    const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      writeNew(tmp, w.content, w.mode, umask);
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}

const exists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
};

/**
 * Writes `DIR/<node>/<absolute path>` for every file with its mode, and
 * `DIR/<node>.manifest.txt`. Binaries are listed in the manifest, not copied.
 * No file is ever visible half-written at its final path. Returns the number of
 * node files written (manifests not counted).
 */
export async function writeRendered(nodes: RenderedNode[], outDir: string): Promise<number> {
  const writes = plannedWrites(nodes);
  const umask = process.umask();
  try {
    if (exists(outDir)) {
      updateExisting(outDir, writes, umask);
    } else {
      const parent = dirname(outDir);
      mkdirSync(parent, { recursive: true });
      const staging = mkdtempSync(join(parent, `.${basename(outDir)}.render-`));
      try {
        fillFresh(staging, writes, umask);
        // mkdtemp made it 0700 (no one else looks in while it fills); the output folder is an ordinary one.
        chmodSync(staging, 0o777 & ~umask);
        try {
          renameSync(staging, outDir);
        } catch (e) {
          // Someone made the output folder meanwhile: merge into it the safe way.
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
          updateExisting(outDir, writes, umask);
        }
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    }
  } catch (e) {
    if (e instanceof DeployError) throw e;
    throw new DeployError("render-failed", `write ${outDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, field: outDir });
  }
  return writes.length - nodes.length;
}
