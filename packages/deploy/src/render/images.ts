// Images for restricted networks: the inventory's OCI (or docker-save) image
// archives, copied to every worker and imported into containerd's k8s.io
// namespace by a oneshot unit that runs before the kubelet, so the sandbox
// (pause) and add-on images are there without a registry.
import { posix } from "node:path";
import { invalidField, readStringList } from "../inventory-fields.js";
import type { RenderContext } from "./context.js";
import { renderUnit } from "./systemd.js";

export const IMAGES_UNIT = "k8s-pki-images.service";
/** Where the archives go on a worker. */
export const IMAGES_DIR = "/var/lib/k8s-pki/images";
const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

/** A basename that goes into a unit's ExecStart as it is. */
const ARCHIVE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/** Validates inventory `images`: local archive paths, relative to the working folder as binDir is. */
export function parseImages(raw: unknown): string[] {
  const list = readStringList(raw, "images");
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    const base = posix.basename(p);
    if (p.endsWith("/") || !ARCHIVE_NAME.test(base)) throw invalidField(`images[${i}]`, `${JSON.stringify(p)} must end in a file name of letters, digits and ._+-`);
    const prev = seen.get(base);
    if (prev !== undefined) throw invalidField(`images[${i}]`, `${JSON.stringify(p)} has the same file name as images[${prev}]; they would overwrite each other on the nodes`);
    seen.set(base, i);
  });
  return list;
}

export const imageNodePath = (localPath: string): string => `${IMAGES_DIR}/${posix.basename(localPath)}`;

export function imagesNotes(images: readonly string[]): string[] {
  if (images.length === 0) return [];
  return [`images: ${images.length} archive(s) copied to every worker and imported into containerd (namespace k8s.io) before the kubelet starts: ${images.join(", ")}`];
}

/** One `ctr images import` per archive; the imported images are pinned, so the kubelet's image GC keeps them. */
export function imagesUnit(c: RenderContext): string {
  const ctr = c.bin("ctr");
  const importOf = (p: string): string[] => [`--address=${CONTAINERD_SOCKET}`, "--namespace=k8s.io", "images", "import", "--label=io.cri-containerd.pinned=pinned", imageNodePath(p)];
  const [first, ...rest] = c.inv.images;
  if (first === undefined) throw new Error("no images to import");
  return renderUnit({
    description: "Import the inventory's image archives into containerd (k8s.io)",
    after: ["containerd.service"],
    requires: ["containerd.service"],
    before: ["kubelet.service"],
    service: [
      ["Type", "oneshot"],
      ["RemainAfterExit", "yes"],
    ],
    exec: { path: ctr, flags: importOf(first) },
    serviceAfter: rest.map((p) => ["ExecStart", [ctr, ...importOf(p)].join(" ")]),
  });
}
