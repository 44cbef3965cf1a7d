// UTCTime and GeneralizedTime as cryptobyte's ReadASN1UTCTime and
// ReadASN1GeneralizedTime read them (certificates): Go parses with time.Parse
// and refuses the value unless formatting the result gives the same text
// back. The patterns below are the texts Go's Format can produce; the range
// checks are what time.Parse refuses. Together they accept exactly what Go
// accepts: no month 13, no February 30 rolled over, a non-zero "+hhmm" offset
// allowed, "+0000" refused (Go writes "Z"), and no fraction of a second
// (cryptobyte's layout is "20060102150405Z0700": time.Parse reads a fraction,
// but the round trip drops it).

const UTC_RE = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:Z|([+-])(\d\d)(\d\d))$/;
const GENERALIZED_RE = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:Z|([+-])(\d\d)(\d\d))$/;

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function build(year: number, mo: number, d: number, h: number, mi: number, s: number, sign?: string, oh?: string, om?: string): Date | undefined {
  if (mo < 1 || mo > 12) return undefined;
  if (d < 1 || d > (mo === 2 && isLeap(year) ? 29 : DAYS[mo - 1]!)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let offset = 0;
  if (sign !== undefined) {
    const hh = Number(oh);
    const mm = Number(om);
    // Parse refuses an hour above 24; minute 60 parses but formats as the next hour; zero formats as "Z".
    if (hh > 24 || mm > 59 || (hh === 0 && mm === 0)) return undefined;
    offset = (sign === "-" ? -1 : 1) * (hh * 60 + mm) * 60_000;
  }
  const date = new Date(0);
  // Date.UTC maps years 0..99 to 19xx; setUTCFullYear does not.
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return new Date(date.getTime() - offset);
}

/** ReadASN1UTCTime (seconds optional, as Go allows); years 50..99 are 19xx. */
export function cryptobyteUtcTime(s: string): Date | undefined {
  const m = UTC_RE.exec(s);
  if (!m) return undefined;
  const yy = Number(m[1]);
  // time.Parse reads "06" as 1969..2068 and checks the day in that year (00 is 2000, a leap year).
  const parseYear = yy >= 69 ? 1900 + yy : 2000 + yy;
  // Go's Year() >= 2050 test looks at the written year, not at the UTC instant:
  // "491231230000-0100" stays in 2049 although it is 2050 in UTC.
  const year = parseYear >= 2050 ? parseYear - 100 : parseYear;
  if (!build(parseYear, Number(m[2]), Number(m[3]), 0, 0, 0)) return undefined;
  return build(year, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), m[7], m[8], m[9]);
}

/** ReadASN1GeneralizedTime: four-digit years 0000..9999, seconds required. */
export function cryptobyteGeneralizedTime(s: string): Date | undefined {
  const m = GENERALIZED_RE.exec(s);
  if (!m) return undefined;
  return build(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7], m[8], m[9]);
}
