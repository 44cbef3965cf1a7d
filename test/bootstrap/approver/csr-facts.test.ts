// The approver's reading of spec.request, driven through decide() with every
// fact granted as generously as the API could: of issue 12's whole catalogue
// of hostile requests, only the legitimate ones are ever approved, and every
// refusal names its rule.
import { describe, expect, it } from "vitest";
import { decide, DEFAULT_POLICY, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, parseRequest, type CsrObject, type Decision, type Facts } from "@k8s/bootstrap";
import { craftedRequests } from "../../helpers/crafted-requests.js";

const NODE = "node-a";
const NODE_IP = "10.0.0.10";
const crafted = craftedRequests({ nodeName: NODE, evilName: "node-b", nodeIp: NODE_IP, evilIp: "10.96.0.1" });

/** Who asks: a bootstrap token (client), node-a renewing its client certificate, node-a asking for its serving one. */
type Requester = "bootstrap" | "renewal" | "serving";

function csrObject(pem: string, who: Requester): CsrObject {
  const client = who !== "serving";
  return {
    name: "c",
    signerName: client ? KUBELET_CLIENT_SIGNER : KUBELET_SERVING_SIGNER,
    // As the controller hands it over: spec.request's bytes, one character per byte.
    request: Buffer.from(pem, "utf8").toString("latin1"),
    usages: client ? ["digital signature", "client auth"] : ["digital signature", "server auth"],
    username: who === "bootstrap" ? "system:bootstrap:abcdef" : `system:node:${NODE}`,
    groups: who === "bootstrap" ? ["system:bootstrappers", "system:authenticated"] : ["system:nodes", "system:authenticated"],
    conditions: [],
    issued: false,
  };
}

/**
 * decide() until it stops asking, answering every question in the
 * requester's favour: RBAC allows everything, node-a is registered with its
 * one address only when it renews or serves (a bootstrapping node-a is not
 * registered yet), and node-b is registered (it must not be taken over).
 */
function settle(csr: CsrObject, who: Requester): Decision {
  const facts: Facts = {};
  const policy = { ...DEFAULT_POLICY, cidrs: ["10.0.0.0/8"] };
  let d = decide(csr, policy, facts);
  for (let i = 0; i < 10 && d.action === "need"; i++) {
    facts.sarAllowed = true;
    const asked = d.node ?? NODE;
    facts.node = asked === NODE ? (who === "bootstrap" ? { exists: false, addresses: [] } : { exists: true, addresses: [NODE_IP] }) : { exists: true, addresses: ["10.0.0.11"] };
    facts.nodeAddresses = [{ name: "node-b", addresses: ["10.0.0.11"] }, ...(who === "bootstrap" ? [] : [{ name: NODE, addresses: [NODE_IP] }])];
    d = decide(csr, policy, facts);
  }
  return d;
}

// What the requester is entitled to: node-a's own client certificate (also
// without the final newline, which the canonical form allows, and with any
// key the policy allows: RSA 2048 with a small odd exponent, P-521) and its
// own serving certificate; nothing for node-b, which is registered.
const CLIENT = ["control/client", "control/client-rsa", "control/client-ed25519", "pem/no-final-newline", "signature/rsa-2048-e3", "signature/rsa-2048-e17", "signature/ecdsa-p521"];
const ENTITLED: Record<Requester, string[]> = {
  bootstrap: CLIENT,
  renewal: CLIENT,
  serving: ["control/serving"],
};

describe("the approver's reading of hostile requests", () => {
  it.each(["bootstrap", "renewal", "serving"] as Requester[])("approves for a %s request only what the requester is entitled to", (who) => {
    const approved: string[] = [];
    for (const c of crafted) {
      const d = settle(csrObject(c.pem, who), who);
      if (d.action === "approve") approved.push(c.name);
      else expect(["deny", "wait"], `${c.name}: ${JSON.stringify(d)}`).toContain(d.action);
    }
    expect(approved.sort()).toEqual([...ENTITLED[who]].sort());
  });

  it.each(crafted.filter((c) => ["pem", "extension-request", "string-types", "der", "signature"].includes(c.cls)).map((c) => [c.name, c.pem]))(
    "%s is denied as non-canonical or unparseable, with a message, unless it is canonical",
    (name, pem) => {
      const r = parseRequest(Buffer.from(pem, "utf8"));
      // A canonical one reaches the policy, which only approves the entitled.
      if (r.ok) return expect(CLIENT.includes(name) || settle(csrObject(pem, "renewal"), "renewal").action !== "approve").toBe(true);
      expect(["non-canonical-request", "unparseable-request"]).toContain(r.rule);
      expect(r.error.length).toBeGreaterThan(0);
    },
  );

  it("takes the request's bytes as they are (a Latin-1 string or a Buffer read alike)", () => {
    const good = crafted.find((c) => c.name === "control/client")!.pem;
    const a = parseRequest(Buffer.from(good, "utf8").toString("latin1"));
    const b = parseRequest(Buffer.from(good, "utf8"));
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
  });
});
