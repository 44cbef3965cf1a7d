// The top-level help. Static text, so `k8s-pki -h` loads no library; the
// tests walk the real command tree and fail when a command is missing here.

/** Top-level command names, as `k8s-pki <name>` dispatches them (aliases such as cfssljson excluded). */
export const TOP_COMMANDS = [
  "gencert",
  "genkey",
  "gencsr",
  "sign",
  "selfsign",
  "certinfo",
  "print-defaults",
  "version",
  "json",
  "token",
  "rbac",
  "approver",
  "deploy",
  "certs",
  "demo",
  "completion",
  "help",
] as const;

export const USAGE = `Usage: k8s-pki <command> [flags] [args]

A drop-in replacement for cfssl and cfssljson, and the tools around a
Kubernetes cluster deployed from binaries: bootstrap tokens, RBAC, the CSR
auto-approver, the deployer and certificate expiry checks.

cfssl commands (cfssl's flags: -flag value, -flag=value, --flag):
  gencert         generate a key and a signed certificate (-initca, -renewca)
  genkey          generate a key and a CSR
  gencsr          generate a CSR for an existing key (-key)
  sign            sign a CSR with a CA (-ca, -ca-key, -config, -profile)
  selfsign        generate a self-signed certificate
  certinfo        describe a certificate or CSR as JSON (-cert, -csr, -domain)
  print-defaults  print cfssl's config or csr template (list, config, csr)
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
  deploy plan|render|apply|verify|stop|rotate-ca|print-defaults
                  plan: certificates, files and units per node [-o text|json|yaml]
                  render: write DIR/<node>/...; apply: put them on the nodes (SSH or --local)
                  verify: check the running cluster [-o text|json|yaml]; --smoke: run pods on it
                  stop: stop --local units
  deploy rotate-ca start|reissue|finish|status
                  rotate the cluster's CAs in three steps; status [-o text|json|yaml]
  deploy print-defaults inventory|ca-config
                  an annotated inventory that deploy plan accepts as it is; a ca-config.json
                  with the kubernetes profile

certificate lifecycle (flags: --flag value):
  certs check|renew
                  check: every certificate by expiry [-o table|json|yaml|prometheus], exit 3
                  when one expires within --warn; renew: re-issue from the CA in the folder

other:
  demo [-out DIR] make a CA and an API server certificate from built-in CSR JSON, then render the built-in cluster
  completion bash|zsh
                  print a shell completion script (source <(k8s-pki completion bash))
  help [command...]
                  show a command's help, e.g. k8s-pki help deploy apply

Run 'k8s-pki help <command>' or 'k8s-pki <command> -h' for a command's flags.
`;
