// Reading busybox nslookup's output. Its first block names the server it
// asked (`Server:` and an `Address:` that is the server's, not an answer);
// each answer follows a `Name:` line. busybox 1.28 and older write
// `Address 1: <ip> <name>`, newer ones `Address: <ip>`; failures are lines
// starting with `**` (`** server can't find x: NXDOMAIN`, `*** Can't find x:
// No answer`) or `;;` (`;; connection timed out; no servers could be reached`).

export interface NslookupAnswer {
  name: string;
  address: string;
}

export interface NslookupResult {
  /** The DNS server that answered, as printed (it may carry `:53`). */
  server: string | undefined;
  answers: NslookupAnswer[];
  /** The failure lines, without their leading stars or semicolons. */
  errors: string[];
}

export function parseNslookup(text: string): NslookupResult {
  let server: string | undefined;
  let name: string | undefined;
  const answers: NslookupAnswer[] = [];
  const errors: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("**") || line.startsWith(";;")) {
      errors.push(line.replace(/^[*;]+\s*/, ""));
      continue;
    }
    const kv = /^(Server|Name|Address(?:\s+\d+)?)\s*:\s*(\S+)/.exec(line);
    if (kv === null) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (key === "Server") server = value;
    else if (key === "Name") name = value;
    // Before the first Name: line, an Address is the server's own.
    else if (name !== undefined) answers.push({ name, address: value });
  }
  return { server, answers, errors };
}

/** The addresses answered for a name (for a short name, for whatever the search path made of it). */
export const answeredAddresses = (r: NslookupResult): string[] => [...new Set(r.answers.map((a) => a.address))];
