// HTTP from inside a smoke pod: the command (busybox nc, since busybox's wget
// crashes in some containers) and the reading of its raw answer.

/** An HTTP/1.0 GET of `/`; the raw answer (status line, headers, body) is the command's stdout. */
export function httpGetCommand(host: string, port: number): string[] {
  return ["sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`];
}

export type HttpAnswer = { ok: true; status: number; body: string } | { ok: false; reason: string };

/** The status and body of a raw HTTP/1.x answer; `ok: false` with a reason for no answer or a broken one. */
export function parseHttpAnswer(raw: string): HttpAnswer {
  if (raw.trim() === "") return { ok: false, reason: "no answer" };
  const m = /^HTTP\/1\.[01] (\d{3})[^\n]*\n/.exec(raw);
  if (m === null) return { ok: false, reason: `not an HTTP answer: ${JSON.stringify(raw.slice(0, 60))}` };
  const end = raw.search(/\r?\n\r?\n/);
  if (end < 0) return { ok: false, reason: "the answer ends inside its headers" };
  const body = raw.slice(end).replace(/^\r?\n\r?\n/, "");
  return { ok: true, status: Number(m[1]), body };
}
