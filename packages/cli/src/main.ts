// k8s-pki entry: dispatches to commands, loading only what each one needs,
// and is the single place where errors become messages and exit codes.
import { parseGoFlags, FlagError, formatFlag } from "./go-flags.js";
import { describeError, exitCodeFor } from "./errors.js";
import { processIo, type CliIo } from "./io.js";
import type { CfsslContext } from "./cfssl-context.js";

type CfsslCommand = (ctx: CfsslContext) => Promise<void>;

/** cfssl commands: Go-style flags from cfssl's shared flag set, `-config` loaded first. */
const CFSSL_COMMANDS: Record<string, { load: () => Promise<CfsslCommand>; usage: string; flags: string[] }> = {
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
};

const USAGE = `Usage: k8s-pki <command> [flags] [args]

A drop-in replacement for cfssl and cfssljson, for Kubernetes clusters
deployed from binaries.

cfssl commands (cfssl's flags: -flag value, -flag=value, --flag):
  gencert         generate a key and a signed certificate (-initca, -renewca)
  genkey          generate a key and a CSR
  gencsr          generate a CSR for an existing key (-key)
  sign            sign a CSR with a CA (-ca, -ca-key, -config, -profile)
  selfsign        generate a self-signed certificate
  certinfo        describe a certificate or CSR as JSON (-cert, -csr, -domain)
  print-defaults  print the config or csr template (list, config, csr)
  version         print the version

cfssljson:
  json [-bare] [-f file] [-stdout] [-replace-ca-key] [base]
                  split cfssl JSON output into base.pem, base-key.pem (0600), base.csr

bootstrap (flags: --flag value):
  token generate|create|list|delete
                  bootstrap tokens as kubeadm token manages them; create --print-kubeconfig
  rbac print|apply
                  the csr-crb RBAC objects (kubelet-bootstrap, auto-approve, renewal, kubelet-apis)
  approver run|manifests
                  the CSR auto-approver for kubelet client and serving certificates

deploy (flags: --flag value):
  deploy plan|render [--inventory FILE] [--out DIR]
                  certificates, files and units per node; render writes DIR/<node>/...

certificate lifecycle (flags: --flag value):
  certs check [DIR] [--warn 30d] [-o table|json|prometheus] [--textfile FILE]
                  every certificate and kubeconfig certificate by expiry; exit 3 when one expires within --warn

other:
  demo [-out DIR] make a CA and an API server certificate from built-in CSR JSON, then render the built-in cluster

Run 'k8s-pki <command> -h' for a command's flags.
`;

async function runCfssl(io: CliIo, name: string, argv: string[]): Promise<void> {
  const cmd = CFSSL_COMMANDS[name]!;
  const { CFSSL_FLAGS } = await import("./cfssl-flags.js");
  let parsed;
  try {
    parsed = parseGoFlags(CFSSL_FLAGS, argv);
  } catch (e) {
    if (e instanceof FlagError) {
      if (!e.help) io.stderr(`${e.message}\n`);
      io.stderr(`\t${cmd.usage}` + [...cmd.flags, "loglevel"].map((f) => formatFlag(f, CFSSL_FLAGS[f]!)).join(""));
    }
    throw e;
  }
  const ctx: CfsslContext = { io, flags: parsed.values, args: parsed.rest };
  const configFile = String(parsed.values.config ?? "");
  if (configFile !== "") {
    const { loadConfigFile } = await import("./load-config.js");
    ctx.config = await loadConfigFile(io, configFile);
  }
  await (await cmd.load())(ctx);
}

/** Runs one invocation; resolves to the exit code. Never throws. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      io.stderr("No command is given.\n" + USAGE);
      return 1;
    }
    if (name === "-h" || name === "--help" || name === "help" || name === "-help") {
      io.stdout(USAGE);
      return 0;
    }
    if (Object.hasOwn(CFSSL_COMMANDS, name)) await runCfssl(io, name, rest);
    else if (name === "json" || name === "cfssljson") await (await import("./commands/json.js")).json(io, rest);
    else if (name === "version" || name === "-version" || name === "--version") (await import("./commands/version.js")).version(io);
    else if (name === "demo") await (await import("./commands/demo.js")).demo(io, rest);
    else if (name === "token" || name === "rbac" || name === "approver" || name === "deploy" || name === "certs") await (await import("./program.js")).runCommander(io, argv);
    else {
      io.stderr(`Command ${name} is not defined.\n` + USAGE);
      return 1;
    }
    return 0;
  } catch (e) {
    const code = exitCodeFor(e);
    if (!(e instanceof FlagError)) {
      const { ExitError } = await import("./errors.js");
      if (!(e instanceof ExitError)) io.stderr(describeError(e) + "\n");
    }
    return code;
  }
}
