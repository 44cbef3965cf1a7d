// kube-apiserver on every master (render/kube-apiserver.ts) with its
// encryption-at-rest config, plus kubectl and the admin kubeconfig there for
// operators; ready when /readyz answers 200 to the admin certificate.
import { https } from "../https-probe.js";
import { pkiItem, trustPem } from "../pki-build.js";
import { apiserverUrlFor } from "../plan-model.js";
import { encryptionConfig } from "../render/encryption-config.js";
import { apiserverUnit, encryptionConfigPath } from "../render/kube-apiserver.js";
import { certKubeconfig } from "../render/kubeconfig.js";
import type { Component } from "./component.js";
import { httpsProbe } from "./readiness-probe.js";
import { errorText } from "./verify-context.js";

export const kubeApiserver: Component = {
  name: "kube-apiserver",
  stage: "master",
  roles: ["master"],
  plan(b) {
    const { ids } = b.layout;
    b.unit("kube-apiserver.service", [
      b.bin("kube-apiserver"),
      b.cert(ids.mainCa),
      b.cert(ids.etcdCa),
      b.cert(ids.frontCa),
      ...b.pair(ids.apiserver),
      ...b.pair(ids.apiserverEtcdClient),
      ...b.pair(ids.apiserverKubeletClient),
      ...b.pair(ids.proxyClient),
      b.cert(ids.saKey),
      b.key(ids.saKey),
      b.config(encryptionConfigPath(b.paths), "encryption-config.yaml", true),
    ]);
    b.bin("kubectl");
    b.config(b.paths.kubeconfig.admin, "admin.kubeconfig", true);
  },
  templates: {
    "kube-apiserver.service": apiserverUnit,
    "encryption-config.yaml": encryptionConfig,
    "admin.kubeconfig": (c) => certKubeconfig(c, "admin", "admin"),
  },
  readiness: {
    "kube-apiserver.service": (p, node) => {
      const admin = pkiItem(p.pki, "admin");
      return httpsProbe(p, `https://${node.address}:${p.plan.inventory.apiserver.port}/readyz`, { ca: trustPem(p.pki, p.ids.mainCa), cert: admin.cert, key: admin.key }, (status) => status === 200);
    },
  },
  verify: {
    async node(v, m) {
      const url = apiserverUrlFor(v.plan, { roles: ["master"], address: m.address });
      try {
        const r = await https(`${url}/readyz`, v.apiTls);
        if (r.status === 200) v.apiReady.push(url);
        v.add(`kube-apiserver ${m.name} /readyz`, r.status === 200, `${url}: HTTP ${r.status} ${r.body.trim().split("\n").slice(-1)[0] ?? ""}`);
      } catch (e) {
        v.add(`kube-apiserver ${m.name} /readyz`, false, `${url}: ${errorText(e)}`);
      }
    },
  },
  unnamedFiles: (plan) => [`${plan.paths.bin}/kubectl`, plan.paths.kubeconfig.admin],
};
