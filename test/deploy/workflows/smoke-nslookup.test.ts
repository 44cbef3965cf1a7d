// Reading busybox nslookup: the server's own Address is not an answer, both
// the 1.28 (`Address 1: ip name`) and the newer (`Address: ip`) forms, the
// search-path form of a short name, and the failure lines.
import { describe, expect, it } from "vitest";
import { answeredAddresses, parseNslookup } from "../../../packages/deploy/src/workflows/smoke-nslookup.js";

// busybox 1.36 (the smoke image), a name that resolves.
const BUSYBOX_136 = `Server:\t\t10.254.0.2
Address:\t10.254.0.2:53


Name:\tkubernetes.default.svc.cluster.local
Address: 10.254.0.1

`;

// busybox 1.36, a short name through the search path: the A answer, then the
// other search domains and the AAAA query without an answer.
const BUSYBOX_136_SEARCH = `Server:\t\t10.254.0.2
Address:\t10.254.0.2:53

Name:\tsmoke.k8s-pki-smoke-ab12c.svc.cluster.local
Address: 10.254.77.7

*** Can't find smoke.svc.cluster.local: No answer
*** Can't find smoke.cluster.local: No answer
*** Can't find smoke.k8s-pki-smoke-ab12c.svc.cluster.local: No answer
`;

// busybox 1.28: numbered addresses with the name after the IP.
const BUSYBOX_128 = `Server:    10.254.0.2
Address 1: 10.254.0.2 kube-dns.kube-system.svc.cluster.local

Name:      kubernetes.default.svc.cluster.local
Address 1: 10.254.0.1 kubernetes.default.svc.cluster.local
`;

const NXDOMAIN = `Server:\t\t10.254.0.2
Address:\t10.254.0.2:53

** server can't find nothing.default.svc.cluster.local: NXDOMAIN

** server can't find nothing.default.svc.cluster.local: NXDOMAIN

`;

const NO_SERVER = `;; connection timed out; no servers could be reached

`;

describe("parseNslookup", () => {
  it.each<{ what: string; text: string; server: string | undefined; addresses: string[]; errors: string[] }>([
    { what: "busybox 1.36", text: BUSYBOX_136, server: "10.254.0.2", addresses: ["10.254.0.1"], errors: [] },
    {
      what: "busybox 1.36 through the search path",
      text: BUSYBOX_136_SEARCH,
      server: "10.254.0.2",
      addresses: ["10.254.77.7"],
      errors: ["Can't find smoke.svc.cluster.local: No answer", "Can't find smoke.cluster.local: No answer", "Can't find smoke.k8s-pki-smoke-ab12c.svc.cluster.local: No answer"],
    },
    { what: "busybox 1.28", text: BUSYBOX_128, server: "10.254.0.2", addresses: ["10.254.0.1"], errors: [] },
    { what: "NXDOMAIN", text: NXDOMAIN, server: "10.254.0.2", addresses: [], errors: ["server can't find nothing.default.svc.cluster.local: NXDOMAIN", "server can't find nothing.default.svc.cluster.local: NXDOMAIN"] },
    { what: "no DNS server answering", text: NO_SERVER, server: undefined, addresses: [], errors: ["connection timed out; no servers could be reached"] },
    { what: "nothing at all", text: "", server: undefined, addresses: [], errors: [] },
  ])("$what", ({ text, server, addresses, errors }) => {
    const r = parseNslookup(text);
    expect(r.server).toBe(server);
    expect(answeredAddresses(r)).toEqual(addresses);
    expect(r.errors).toEqual(errors);
  });

  it("names each answer", () => {
    expect(parseNslookup(BUSYBOX_136_SEARCH).answers).toEqual([{ name: "smoke.k8s-pki-smoke-ab12c.svc.cluster.local", address: "10.254.77.7" }]);
  });
});
