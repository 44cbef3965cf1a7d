// The cfssl-style commands: their usage text and flags as cfssl 1.6.5 prints
// them, and how to load each one. Shared by the dispatcher, `help` and the
// shell completion, so the three cannot disagree.
import type { CfsslContext } from "./cfssl-context.js";
import { formatFlag } from "./go-flags.js";
import { CFSSL_FLAGS } from "./cfssl-flags.js";

export type CfsslCommand = (ctx: CfsslContext) => Promise<void>;

export interface CfsslCommandSpec {
  load: () => Promise<CfsslCommand>;
  /** cfssl's UsageText, with k8s-pki for cfssl. */
  usage: string;
  /** The flags the usage lists (every command accepts every cfssl flag). */
  flags: string[];
}

/** cfssl commands: Go-style flags from cfssl's shared flag set, `-config` loaded first. */
export const CFSSL_COMMANDS: Readonly<Record<string, CfsslCommandSpec>> = {
  gencert: {
    load: async () => (await import("./commands/gencert.js")).gencert,
    usage: "gencert -- generate a new key and signed certificate\n\nUsage of gencert:\n    Generate a new key and cert from CSR:\n        k8s-pki gencert -initca CSRJSON\n        k8s-pki gencert -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] CSRJSON\n\n    Re-generate a CA cert with the CA key and CSR:\n        k8s-pki gencert -initca -ca-key key CSRJSON\n\n    Re-generate a CA cert with the CA key and certificate:\n        k8s-pki gencert -renewca -ca cert -ca-key key\n\nArguments:\n        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin\n\nFlags:\n",
    flags: ["initca", "ca", "ca-key", "config", "cn", "hostname", "profile", "crl", "renewca"],
  },
  genkey: {
    load: async () => (await import("./commands/genkey.js")).genkey,
    usage: "genkey -- generate a new key and CSR\n\nUsage of genkey:\n        k8s-pki genkey CSRJSON\n\nArguments:\n        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin\n\nFlags:\n",
    flags: ["initca", "config"],
  },
  gencsr: {
    load: async () => (await import("./commands/gencsr.js")).gencsr,
    usage: "gencsr -- generate a csr from a private key with existing CSR json specification or certificate\n\nUsage of gencsr:\n        k8s-pki gencsr -key private_key_file [-hostname comma,separated,hostnames] csr_json_file\n        k8s-pki gencsr -key private_key_file [-hostname comma,separated,hostnames] -cert certificate_file\n\nFlags:\n",
    flags: ["key", "cert", "hostname"],
  },
  sign: {
    load: async () => (await import("./commands/sign.js")).sign,
    usage: "sign -- signs a client cert with a host name by a given CA and CA key\n\nUsage of sign:\n        k8s-pki sign -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] CSR [SUBJECT]\n\nArguments:\n        CSR:        PEM file for certificate request, use '-' for reading PEM from stdin.\n\nNote: CSR can also be supplied via flag values; flag value will take precedence over the argument.\n\nSUBJECT is an optional file containing subject information to use for the certificate instead of the subject information in the CSR.\n\nFlags:\n",
    flags: ["hostname", "csr", "ca", "ca-key", "config", "profile"],
  },
  selfsign: {
    load: async () => (await import("./commands/selfsign.js")).selfsign,
    usage: "selfsign -- generate a new self-signed key and signed certificate\n\nUsage of selfsign:\n        k8s-pki selfsign HOSTNAME CSRJSON\n\nWARNING: this should ONLY be used for testing. This should never be\nused in production.\n\nWARNING: self-signed certificates are insecure; they do not provide\nthe authentication required for secure systems. Use these at your own\nrisk.\n\nArguments:\n        HOSTNAME:   Hostname (ignored, as by cfssl; SANs come from CSRJSON hosts)\n        CSRJSON:    JSON file containing the request, use '-' for reading JSON from stdin\n\nFlags:\n",
    flags: ["config", "profile"],
  },
  certinfo: {
    load: async () => (await import("./commands/certinfo.js")).certinfo,
    usage: "certinfo -- output certinfo about the given cert\n\nUsage of certinfo:\n        - Data from local certificate files\n        k8s-pki certinfo -cert file\n        - Data from local CSR file\n        k8s-pki certinfo -csr file\n        - Data from certificate from remote server.\n        k8s-pki certinfo -domain domain_name\n\nFlags:\n",
    flags: ["cert", "csr", "domain"],
  },
  "print-defaults": {
    load: async () => (await import("./commands/print-defaults.js")).printDefaults,
    usage: "print-defaults -- print default configurations that can be used as a template\n\nUsage of print-defaults:\n        k8s-pki print-defaults TYPE\n\nIf \"list\" is used as the TYPE, the list of supported types will be printed.\n",
    flags: [],
  },
  version: {
    load: async () => {
      const { version } = await import("./commands/version.js");
      return async (ctx) => version(ctx.io);
    },
    usage: "version -- print out the version of k8s-pki and the cfssl version it is compatible with\n\nUsage of version:\n        k8s-pki version\n\nFlags:\n",
    flags: [],
  },
};

/** What cfssl prints for `CMD -h` (its flag set's Usage): a tab, the usage text, then one line per listed flag and -loglevel. */
export function cfsslUsage(name: string): string {
  const cmd = CFSSL_COMMANDS[name];
  if (!cmd) throw new Error(`no cfssl command ${name}`);
  return `\t${cmd.usage}` + [...cmd.flags, "loglevel"].map((f) => formatFlag(f, CFSSL_FLAGS[f]!)).join("");
}
