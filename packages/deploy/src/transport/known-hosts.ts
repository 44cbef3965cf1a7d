// Host keys from an OpenSSH known_hosts file, as fingerprints SshTransport
// checks: a deployer must not push CA keys to whoever answers on port 22.
import { createHmac } from "node:crypto";
import { sshFingerprint } from "./ssh.js";

/** Fingerprints (SHA256:...) of the keys known_hosts lists for host:port, plain or hashed (`|1|salt|hash`) entries. */
export function knownHostFingerprints(knownHosts: string, host: string, port = 22): string[] {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  const out: string[] = [];
  for (const raw of knownHosts.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("@revoked")) continue;
    const parts = line.replace(/^@cert-authority\s+/, "").split(/\s+/);
    const [hosts, , key] = parts;
    if (!hosts || !key) continue;
    const matches = hosts.split(",").some((h) => {
      if (h.startsWith("|1|")) {
        const [, , salt, hash] = h.split("|");
        if (!salt || !hash) return false;
        return names.some((n) => createHmac("sha1", Buffer.from(salt, "base64")).update(n).digest("base64") === hash);
      }
      return names.includes(h);
    });
    if (matches) out.push(sshFingerprint(Buffer.from(key, "base64")));
  }
  return out;
}
