// The binaries folder (`binDir`) a deploy onto the test bed copies from: the
// real programs scripts/fixtures.sh built into its cache (Kubernetes, etcd,
// flannel, the container runtime stack with its CNI plugins) and k8s-pki's
// standalone file, linked into one folder with the names the deployer looks
// for; and the image archives the images stage imports on every worker.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { binaryCacheDir, pinnedVersions, repoRoot } from "./binaries.js";

const version = (key: string): string => {
  const v = pinnedVersions().get(key);
  if (!v) throw new Error(`${key} is not set in scripts/versions.env`);
  return v;
};

/** A fixtures.sh component's folder, as the script itself names it (`--dir`: nothing is built). */
export const fixtureDir = (component: string): string => execFileSync(join(repoRoot, "scripts/fixtures.sh"), ["--dir", component], { encoding: "utf8" }).trim();

function need(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: build the real binaries with scripts/fixtures.sh (and the CLI with npm run build)`);
  return path;
}

/** Links every program a bed deploy needs into `dir` (made if missing); returns `dir`. */
export function assembleBinDir(dir: string): string {
  mkdirSync(join(dir, "cni"), { recursive: true });
  const cache = binaryCacheDir();
  const k8s = version("KUBERNETES_VERSION");
  const from: [string, string[]][] = [
    [join(cache, `kubernetes-${k8s}`), ["kube-apiserver", "kube-controller-manager", "kubelet", "kubectl"]],
    [join(cache, `kubernetes-extra-${k8s}`), ["kube-proxy", "kube-scheduler"]],
    [join(cache, `etcd-${version("ETCD_VERSION")}`), ["etcd", "etcdctl"]],
    [join(cache, `flannel-${version("FLANNEL_VERSION")}`), ["flanneld"]],
    [fixtureDir("container-runtime"), ["containerd", "containerd-shim-runc-v2", "ctr", "crictl", "runc"]],
  ];
  for (const [folder, names] of from) for (const n of names) symlinkSync(need(join(folder, n)), join(dir, n));
  const cni = need(join(fixtureDir("container-runtime"), "cni"));
  for (const p of readdirSync(cni)) symlinkSync(join(cni, p), join(dir, "cni", p));
  symlinkSync(need(join(repoRoot, "packages/cli/dist/k8s-pki")), join(dir, "k8s-pki"));
  return dir;
}

export interface BedImage {
  file: string;
  name: string;
}

/** The images fixture's archives (images.txt: `<file> <image name>` per line), by a short key: pause, busybox, coredns. */
export function bedImages(): Record<"pause" | "busybox" | "coredns", BedImage> {
  const dir = fixtureDir("images");
  need(join(dir, "images.txt"));
  const out: Partial<Record<string, BedImage>> = {};
  for (const line of readFileSync(join(dir, "images.txt"), "utf8").split("\n")) {
    const [file, name] = line.trim().split(/\s+/);
    if (!file || !name) continue;
    const key = file.replace(/\.tar$/, "");
    out[key] = { file: join(dir, file), name };
  }
  for (const k of ["pause", "busybox", "coredns"]) if (!out[k]) throw new Error(`${dir}/images.txt lists no ${k}.tar`);
  return out as Record<"pause" | "busybox" | "coredns", BedImage>;
}
