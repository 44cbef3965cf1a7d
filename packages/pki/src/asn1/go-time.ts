// UTCTime and GeneralizedTime as Go reads them (encoding/asn1 parseUTCTime and
// parseGeneralizedTime for requests, cryptobyte ReadASN1UTCTime and
// ReadASN1GeneralizedTime for certificates): time.Parse with a fixed layout,
// then a refusal unless formatting the result gives back the very same text.
// That round trip leaves exactly one spelling per instant, so a strict pattern
// plus Go's range checks decides the same set. The two readers differ in one
// place: encoding/asn1's GeneralizedTime layout has a fraction of a second,
// cryptobyte's has none.

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (month: number, year: number): number => (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]!);

/** Offset in seconds east of UTC from "Z" or "±hhmm", or undefined where Go's parse or its round trip fails. */
function zoneOffset(z: string): number | undefined {
  if (z === "Z") return 0;
  const hh = Number(z.slice(1, 3));
  const mm = Number(z.slice(3, 5));
  // Go accepts hours up to 24 and minutes up to 60 when parsing, but only
  // what it formats back the same way survives: "+0000" prints as "Z" and
  // minute 60 carries into the hour.
  if (hh > 24 || mm > 59 || (hh === 0 && mm === 0)) return undefined;
  const off = (hh * 60 + mm) * 60;
  return z[0] === "-" ? -off : off;
}

function build(year: number, month: number, day: number, hour: number, min: number, sec: number, ms: number, zone: string): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59) return undefined;
  const off = zoneOffset(zone);
  if (off === undefined) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, ms);
  return new Date(d.getTime() - off * 1000);
}

const UTC_SECONDS = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d{4})$/;
const UTC_MINUTES = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d{4})$/;

/** A UTCTime's text as Go reads it (seconds optional, years 50-99 are 19xx), or undefined where Go refuses it. */
export function parseGoUtcTime(s: string): Date | undefined {
  const m = UTC_SECONDS.exec(s) ?? UTC_MINUTES.exec(s);
  if (!m) return undefined;
  const hasSeconds = m.length === 8;
  const yy = Number(m[1]);
  // time.Parse maps 69-99 to 19xx and 00-68 to 20xx; the caller then moves 2050-2068 back a century.
  const parseYear = yy >= 69 ? 1900 + yy : 2000 + yy;
  // Go moves the parsed time back a century when ITS year (in the written
  // zone, not UTC) is 2050 or later, so the written year decides.
  const year = parseYear >= 2050 ? parseYear - 100 : parseYear;
  if (!build(parseYear, Number(m[2]), Number(m[3]), 0, 0, 0, 0, "Z")) return undefined;
  return build(year, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), hasSeconds ? Number(m[6]) : 0, 0, hasSeconds ? m[7]! : m[6]!);
}

const GENERALIZED = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{0,8}[1-9]))?(Z|[+-]\d{4})$/;

/**
 * A GeneralizedTime's text as Go reads it, or undefined. With `fraction`
 * (encoding/asn1, the default) a fraction without trailing zeros and of at
 * most 9 digits is allowed; without (cryptobyte, certificates) none is.
 */
export function parseGoGeneralizedTime(s: string, opts: { fraction?: boolean } = {}): Date | undefined {
  const m = GENERALIZED.exec(s);
  if (!m || (m[7] !== undefined && opts.fraction === false)) return undefined;
  // Milliseconds from the digits themselves (".57" is 570 ms; a float product would give 569).
  const ms = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  return build(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms, m[8]!);
}
