// writeRendered on disk: modes, hard-linked duplicates, no staging or temp files
// left behind, and an existing output folder updated in place, not replaced.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeRendered, type RenderedNode } from "@k8s/deploy";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n");

function node(name: string, extra: { path: string; mode: number; content: Buffer }[] = []): RenderedNode {
  return {
    name,
    address: "10.0.0.1",
    roles: ["worker"],
    files: [
      { path: "/etc/kubernetes/pki/ca.pem", mode: 0o644, content: CA },
      { path: "/etc/kubernetes/pki/kubelet-key.pem", mode: 0o600, content: Buffer.from(`key of ${name}\n`) },
      { path: "/etc/kubernetes/pki/shared-key.pem", mode: 0o600, content: Buffer.from("shared key\n") },
      // Same bytes as ca.pem but another mode: must not share its inode.
      { path: "/etc/kubernetes/ca-copy.pem", mode: 0o600, content: CA },
      { path: "/etc/systemd/system/kubelet.service", mode: 0o644, content: Buffer.from(`[Service]\nExecStart=/usr/local/bin/kubelet --hostname-override=${name}\n`) },
      { path: "/usr/local/bin/kubelet", mode: 0o755, content: { localPath: "bin/kubelet" } },
      ...extra,
    ],
    units: [{ name: "kubelet.service", inputs: ["/etc/systemd/system/kubelet.service"], stage: "worker" }],
  };
}

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

/** Every entry under dir, relative, folders with a trailing slash. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1) + (e.isDirectory() ? "/" : "")).sort();
}

describe("writeRendered", () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), "write-rendered-"));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("a new output folder: every file with its planned mode, manifests, binaries only listed", async () => {
    const out = join(parent, "a", "out");
    const n = await writeRendered([node("w1"), node("w2")], out);
    expect(n).toBe(10);
    const umask = process.umask();
    expect(await modeOf(join(out, "w1/etc/kubernetes/pki/kubelet-key.pem"))).toBe(0o600);
    expect(await modeOf(join(out, "w2/etc/kubernetes/ca-copy.pem"))).toBe(0o600);
    expect(await modeOf(join(out, "w1/etc/kubernetes/pki/ca.pem"))).toBe(0o644 & ~umask);
    // The output folder is an ordinary folder, not mkdtemp's 0700.
    expect(await modeOf(out)).toBe(0o777 & ~umask);
    expect(await readFile(join(out, "w2/etc/kubernetes/pki/kubelet-key.pem"), "utf8")).toBe("key of w2\n");
    expect(await readFile(join(out, "w2/etc/systemd/system/kubelet.service"), "utf8")).toContain("--hostname-override=w2");
    expect(await readFile(join(out, "w1.manifest.txt"), "utf8")).toMatch(/^0755 root:root \/usr\/local\/bin\/kubelet \(binary from bin\/kubelet\)$/m);
    expect(await tree(out)).not.toContain("w1/usr/local/bin/kubelet");
  });

  it("hard-links byte-identical files of the same mode, never files of different modes", async () => {
    const out = join(parent, "out");
    await writeRendered([node("w1"), node("w2")], out);
    const ino = async (p: string) => (await stat(join(out, p))).ino;
    expect(await ino("w1/etc/kubernetes/pki/ca.pem")).toBe(await ino("w2/etc/kubernetes/pki/ca.pem"));
    expect(await ino("w1/etc/kubernetes/pki/shared-key.pem")).toBe(await ino("w2/etc/kubernetes/pki/shared-key.pem"));
    expect(await ino("w1/etc/kubernetes/ca-copy.pem")).toBe(await ino("w2/etc/kubernetes/ca-copy.pem"));
    expect(await ino("w1/etc/kubernetes/ca-copy.pem")).not.toBe(await ino("w1/etc/kubernetes/pki/ca.pem"));
    expect(await ino("w1/etc/kubernetes/pki/kubelet-key.pem")).not.toBe(await ino("w2/etc/kubernetes/pki/kubelet-key.pem"));
    expect((await stat(join(out, "w1/etc/kubernetes/pki/ca.pem"))).nlink).toBe(2);
  });

  it("leaves no staging folder or temp file next to the output", async () => {
    const out = join(parent, "out");
    await writeRendered([node("w1")], out);
    expect(await readdir(parent)).toEqual(["out"]);
    expect((await tree(out)).filter((p) => p.includes(".tmp") || p.includes(".render-"))).toEqual([]);
  });

  it("an existing output folder is updated in place: other files kept, contents and modes replaced, no temp files", async () => {
    const out = join(parent, "out");
    await mkdir(join(out, "w1/etc/kubernetes/pki"), { recursive: true });
    await writeFile(join(out, "notes.txt"), "mine\n");
    await writeFile(join(out, "w1/etc/kubernetes/pki/kubelet-key.pem"), "old key\n", { mode: 0o644 });
    await writeFile(join(out, "w1/etc/kubernetes/pki/old.pem"), "old\n");
    const n = await writeRendered([node("w1")], out);
    expect(n).toBe(5);
    expect(await readFile(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(await readFile(join(out, "w1/etc/kubernetes/pki/old.pem"), "utf8")).toBe("old\n");
    expect(await readFile(join(out, "w1/etc/kubernetes/pki/kubelet-key.pem"), "utf8")).toBe("key of w1\n");
    expect(await modeOf(join(out, "w1/etc/kubernetes/pki/kubelet-key.pem"))).toBe(0o600);
    expect((await tree(out)).filter((p) => p.includes(".tmp"))).toEqual([]);
    expect(await readdir(parent)).toEqual(["out"]);
  });

  it("writing twice gives the same tree", async () => {
    const out = join(parent, "out");
    await writeRendered([node("w1"), node("w2")], out);
    const first = await tree(out);
    await writeRendered([node("w1"), node("w2")], out);
    expect(await tree(out)).toEqual(first);
  });

  it("a re-render replaces a hard-linked file on one node without writing through to the others", async () => {
    const out = join(parent, "out");
    await writeRendered([node("w1"), node("w2")], out);
    const w1 = node("w1");
    w1.files[0] = { path: "/etc/kubernetes/pki/ca.pem", mode: 0o644, content: Buffer.from("new ca\n") };
    await writeRendered([w1, node("w2")], out);
    expect(await readFile(join(out, "w1/etc/kubernetes/pki/ca.pem"), "utf8")).toBe("new ca\n");
    expect(await readFile(join(out, "w2/etc/kubernetes/pki/ca.pem"))).toEqual(CA);
  });

  it("refuses node names that are not folder names and paths that leave the node's folder, writing nothing", async () => {
    const out = join(parent, "out");
    await expect(writeRendered([node("../x")], out)).rejects.toMatchObject({ code: "render-failed" });
    await expect(writeRendered([node(".hidden")], out)).rejects.toMatchObject({ code: "render-failed" });
    await expect(writeRendered([node("w1", [{ path: "/../../escape", mode: 0o644, content: Buffer.from("x") }])], out)).rejects.toMatchObject({ code: "render-failed" });
    expect(await readdir(parent)).toEqual([]);
  });

  it("a failed write leaves no output folder and no staging folder", async () => {
    const out = join(parent, "out");
    // Two files at one path: the second create fails (the staging file exists).
    const dup = node("w1", [{ path: "/etc/kubernetes/pki/ca.pem", mode: 0o600, content: Buffer.from("other") }]);
    await expect(writeRendered([dup], out)).rejects.toMatchObject({ code: "render-failed" });
    expect(await readdir(parent)).toEqual([]);
  });
});
