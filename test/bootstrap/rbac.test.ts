import { describe, expect, it } from "vitest";
import jsYaml from "js-yaml";
import { csrRbacObjects, renderRbacYaml } from "@k8s/bootstrap";

describe("csrRbacObjects", () => {
  const objs = csrRbacObjects();
  const byName = new Map(objs.map((o) => [o.metadata.name, o]));

  it.each([
    ["kubelet-bootstrap", "system:node-bootstrapper", "Group", "system:bootstrappers"],
    ["auto-approve-csrs-for-group", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", "Group", "system:bootstrappers"],
    ["node-client-cert-renewal", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "Group", "system:nodes"],
    ["node-server-cert-renewal", "approve-node-server-renewal-csr", "Group", "system:nodes"],
    ["kube-apiserver:kubelet-apis", "system:kubelet-api-admin", "User", "kubernetes"],
  ])("binds %s: %s to %s %s", (name, role, kind, subject) => {
    const b = byName.get(name);
    expect(b?.kind).toBe("ClusterRoleBinding");
    if (b?.kind !== "ClusterRoleBinding") return;
    expect(b.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role });
    expect(b.subjects).toEqual([{ kind, apiGroup: "rbac.authorization.k8s.io", name: subject }]);
  });

  it("defines the selfnodeserver role before the binding that uses it", () => {
    const role = byName.get("approve-node-server-renewal-csr");
    expect(role?.kind).toBe("ClusterRole");
    if (role?.kind === "ClusterRole") expect(role.rules).toEqual([{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/selfnodeserver"], verbs: ["create"] }]);
    const names = objs.map((o) => o.metadata.name);
    expect(names.indexOf("approve-node-server-renewal-csr")).toBeLessThan(names.indexOf("node-server-cert-renewal"));
  });

  it("names the API server's kubelet client user from the option", () => {
    const b = csrRbacObjects({ apiserverKubeletUser: "kube-apiserver-kubelet-client" }).find((o) => o.metadata.name === "kube-apiserver:kubelet-apis");
    expect(b?.kind === "ClusterRoleBinding" && b.subjects[0]!.name).toBe("kube-apiserver-kubelet-client");
  });

  it("renders one YAML document per object", () => {
    const docs = jsYaml.loadAll(renderRbacYaml(objs));
    expect(docs).toEqual(objs);
  });
});
