// Where the real programs live: the cache scripts/fixtures.sh builds into,
// at the versions pinned in scripts/versions.env. A missing binary is an
// error, never a skip, so CI cannot go green without running them.
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type Component =
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kubelet"
  | "kubectl"
  | "etcd"
  | "etcdctl"
  | "cfssl"
  | "cfssljson"
  | "flanneld"
  | "kube-scheduler"
  | "kube-proxy"
  | "containerd"
  | "x509read";

type VersionKey = "KUBERNETES_VERSION" | "ETCD_VERSION" | "CFSSL_VERSION" | "FLANNEL_VERSION";

// Folder prefix and version variable per component, as fixtures.sh names them.
// `sourceDir`: our own Go program, whose folder is versioned by the hash of its source instead of versions.env.
const BUNDLES: Record<Component, { folder: string; version: VersionKey; systemPath?: string; install?: string; sourceDir?: string }> = {
  "kube-apiserver": { folder: "kubernetes", version: "KUBERNETES_VERSION" },
  "kube-controller-manager": { folder: "kubernetes", version: "KUBERNETES_VERSION" },
  kubelet: { folder: "kubernetes", version: "KUBERNETES_VERSION" },
  kubectl: { folder: "kubernetes", version: "KUBERNETES_VERSION" },
  etcd: { folder: "etcd", version: "ETCD_VERSION" },
  etcdctl: { folder: "etcd", version: "ETCD_VERSION" },
  cfssl: { folder: "cfssl", version: "CFSSL_VERSION" },
  cfssljson: { folder: "cfssl", version: "CFSSL_VERSION" },
  flanneld: { folder: "flannel", version: "FLANNEL_VERSION" },
  "kube-scheduler": { folder: "kubernetes-extra", version: "KUBERNETES_VERSION" },
  "kube-proxy": { folder: "kubernetes-extra", version: "KUBERNETES_VERSION" },
  // The render checks run Debian's package (1.6.20). containerd 2.x, built by fixtures.sh (component
  // container-runtime) for the machines of the test bed, is not used here yet.
  containerd: { folder: "", version: "KUBERNETES_VERSION", systemPath: "/usr/bin/containerd", install: "apt-get install containerd" },
  // The differential test's Go oracle (scripts/go/x509read), built offline by fixtures.sh.
  x509read: { folder: "x509read", version: "KUBERNETES_VERSION", sourceDir: "scripts/go/x509read" },
};

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const versionsFile = join(repoRoot, "scripts", "versions.env");

let versions: Map<string, string> | undefined;

/** KEY=VALUE lines of scripts/versions.env (the same file fixtures.sh sources). */
export function pinnedVersions(): ReadonlyMap<string, string> {
  if (!versions) {
    const parsed = new Map<string, string>();
    for (const raw of readFileSync(versionsFile, "utf8").split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const m = /^([A-Z0-9_]+)=["']?([^"'\s]*)["']?$/.exec(line);
      if (m?.[1] && m[2] !== undefined) parsed.set(m[1], m[2]);
    }
    versions = parsed;
  }
  return versions;
}

/** The cache folder, resolved exactly as fixtures.sh resolves it. */
export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K8S_PKI_BIN_CACHE) return env.K8S_PKI_BIN_CACHE;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(xdg, "k8s-pki", "bin");
}

/** First 12 hex of the sha256 of main.go then go.mod, as fixtures.sh's x509read_hash computes it. */
export function sourceHash(sourceDir: string): string {
  const h = createHash("sha256");
  for (const f of ["main.go", "go.mod"]) h.update(readFileSync(join(repoRoot, sourceDir, f)));
  return h.digest("hex").slice(0, 12);
}

/** Absolute path of a built component; throws (with the fix) when it is not there. */
export function binaryPath(component: Component): string {
  const bundle = BUNDLES[component];
  if (bundle.systemPath) {
    try {
      accessSync(bundle.systemPath, constants.X_OK);
    } catch {
      throw new Error(`${component} is missing: ${bundle.systemPath}. Install it with \`${bundle.install}\` (scripts/test.sh does).`);
    }
    return bundle.systemPath;
  }
  const version = bundle.sourceDir ? sourceHash(bundle.sourceDir) : pinnedVersions().get(bundle.version);
  if (!version) throw new Error(`${bundle.version} is not set in ${versionsFile}`);
  const path = join(binaryCacheDir(), `${bundle.folder}-${version}`, component);
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "is missing" : "is not executable";
    throw new Error(
      `${component} ${version} ${why}: ${path}. Build the real binaries with scripts/fixtures.sh ` +
        `(or \`npm run fixtures\`); set K8S_PKI_BIN_CACHE if they were built into another cache folder.`,
    );
  }
  return path;
}

/** Resolves several components at once so a test fails up front, naming the first one missing. */
export function requireBinaries<const C extends Component>(...names: C[]): Record<C, string> {
  const out = {} as Record<C, string>;
  for (const name of names) out[name] = binaryPath(name);
  return out;
}
