// k8s-pki demo: the Quick start's main job. Builds a cluster CA and an API
// server certificate from built-in CSR JSON, the way a binary-deployed
// cluster does with cfssl, and writes them as cfssljson would; then renders
// the built-in three-node cluster (every node's certificates, kubeconfigs,
// configs and units) as `deploy render --state` does, keeping its PKI.
import { certInfo, cfssljsonOutputFiles, createLocalSigner, genCert, goJsonStringify, initCa, parseCertificatePem, parseCsrJson, parseSigningConfig, writeFileAtomic, writeOutputFiles } from "@k8s/pki";
import { buildPlan, defaultInventory, loadOrCreateState, renderCluster, renderPlanText, writeRendered } from "@k8s/deploy";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FlagError, formatFlag, parseGoFlags, type FlagSpec } from "../go-flags.js";
import { resolvePath, type CliIo } from "../io.js";

export const DEMO_CA_CSR = {
  CN: "kubernetes",
  key: { algo: "rsa", size: 2048 },
  names: [{ C: "CN", ST: "BeiJing", L: "BeiJing", O: "k8s", OU: "System" }],
  ca: { expiry: "87600h" },
};

export const DEMO_CA_CONFIG = {
  signing: {
    default: { expiry: "87600h" },
    profiles: { kubernetes: { usages: ["signing", "key encipherment", "server auth", "client auth"], expiry: "87600h" } },
  },
};

export const DEMO_APISERVER_CSR = {
  CN: "kubernetes",
  hosts: ["127.0.0.1", "192.168.95.11", "192.168.95.12", "192.168.95.13", "10.254.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster", "kubernetes.default.svc.cluster.local"],
  key: { algo: "rsa", size: 2048 },
  names: [{ C: "CN", ST: "BeiJing", L: "BeiJing", O: "k8s", OU: "System" }],
};

async function readExistingCa(dir: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(join(dir, "ca.pem"), "utf8"), key: await readFile(join(dir, "ca-key.pem"), "utf8") };
  } catch {
    return undefined;
  }
}

const DEMO_FLAGS: Readonly<Record<string, FlagSpec>> = { out: { kind: "string", default: "demo-pki", usage: "output folder" } };

export const DEMO_USAGE =
  "demo -- make a CA and an API server certificate from built-in CSR JSON, as cfssl and cfssljson would,\n" +
  "then plan and render the built-in three-node cluster keeping its PKI (as deploy render --state)\n\n" +
  "Usage of demo:\n        k8s-pki demo [-out DIR]\n\n" +
  "Run again, it signs with the CA it made the first time; it never replaces a CA key.\n\nFlags:\n" +
  Object.entries(DEMO_FLAGS)
    .map(([name, spec]) => formatFlag(name, spec))
    .join("");

export async function demo(io: CliIo, argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseGoFlags(DEMO_FLAGS, argv));
  } catch (e) {
    if (e instanceof FlagError) {
      // Asked for: the usage on standard output, exit 0; a bad flag: the error and the usage on standard error, exit 2.
      if (e.help) io.stdout(DEMO_USAGE);
      else io.stderr(`${e.message}\n${DEMO_USAGE}`);
    }
    throw e;
  }
  const dir = resolvePath(io, String(values.out));
  await mkdir(dir, { recursive: true });
  const write = async (name: string, obj: unknown): Promise<void> => writeFileAtomic(join(dir, name), Buffer.from(JSON.stringify(obj, null, 2) + "\n"), 0o644);
  await write("ca-csr.json", DEMO_CA_CSR);
  await write("ca-config.json", DEMO_CA_CONFIG);
  await write("kubernetes-csr.json", DEMO_APISERVER_CSR);

  let ca: { cert: string; key: string };
  const existing = await readExistingCa(dir);
  if (existing) {
    // Never replace a CA someone may already trust: sign with it instead.
    io.stdout(`reusing the CA already in ${dir} (ca.pem, ca-key.pem)\n`);
    ca = existing;
  } else {
    io.stdout(`$ k8s-pki gencert -initca ca-csr.json | k8s-pki json -bare ca\n`);
    ca = await initCa(parseCsrJson(DEMO_CA_CSR));
    await writeOutputFiles(cfssljsonOutputFiles(goJsonStringify(ca), "ca", true), { dir });
  }
  io.stdout(`$ k8s-pki gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes kubernetes-csr.json | k8s-pki json -bare kubernetes\n`);
  const signer = createLocalSigner({ caCert: ca.cert, caKey: ca.key, config: parseSigningConfig(JSON.stringify(DEMO_CA_CONFIG)) });
  const leaf = await genCert(parseCsrJson(DEMO_APISERVER_CSR), signer, { profile: "kubernetes" });
  await writeOutputFiles(cfssljsonOutputFiles(goJsonStringify(leaf), "kubernetes", true), { dir });

  for (const [name, pem] of [["ca.pem", ca.cert], ["kubernetes.pem", leaf.cert]] as const) {
    const info = certInfo(parseCertificatePem(pem));
    io.stdout(`\n${name}: subject CN=${info.subject.common_name}, issuer CN=${info.issuer.common_name}, ${info.sigalg}, not after ${info.not_after}\n`);
    if (info.sans) io.stdout(`  SANs: ${info.sans.join(", ")}\n`);
  }
  io.stdout(`\nwrote ${existing ? "" : "ca.pem ca-key.pem ca.csr "}kubernetes.pem kubernetes-key.pem kubernetes.csr and the JSON inputs to ${dir}\n`);

  // The deployer's side: the built-in cluster (192.168.95.11-13, each etcd, master and worker), its PKI kept in a state folder.
  const stateDir = join(dir, "cluster-state");
  const outDir = join(dir, "cluster");
  io.stdout(`\n$ k8s-pki deploy plan > ${join(dir, "cluster-plan.txt")}\n$ k8s-pki deploy render --state ${stateDir} --out ${outDir}\n`);
  const plan = buildPlan(defaultInventory());
  await writeFileAtomic(join(dir, "cluster-plan.txt"), Buffer.from(renderPlanText(plan)), 0o644);
  const st = await loadOrCreateState(plan, stateDir, { now: () => io.now() });
  const nodes = renderCluster(plan, { pki: st.pki, secrets: st.secrets, now: () => io.now() });
  const files = await writeRendered(nodes, outDir);
  io.stdout(`${st.created ? "made" : "reused"} the cluster's PKI in ${stateDir}: ${plan.certs.filter((c) => c.kind === "ca").map((c) => c.id).join(", ")} and ${plan.certs.filter((c) => c.kind !== "ca").length} certificates and key pairs\n`);
  for (const n of plan.nodes) {
    io.stdout(`  ${n.name} (${n.address}, ${n.roles.join("+")}): ${n.files.filter((f) => f.source.kind !== "binary").length} files, units ${n.units.map((u) => u.name.replace(/\.service$/, "")).join(" ")}\n`);
  }
  io.stdout(`wrote ${files} files under ${outDir}; every certificate, file and unit is listed in ${join(dir, "cluster-plan.txt")}\n`);
}
