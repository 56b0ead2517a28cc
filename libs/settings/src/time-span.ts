/**
 * A .NET TimeSpan as host.json writes one ("hh:mm:ss", seconds may have a fraction, or "d.hh:mm:ss") in
 * milliseconds; undefined for anything else. The Functions host's own format, read by the apps (a job's
 * bound under functionTimeout) and the local host alike.
 */
export function timeSpanMs(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(v) : null;
  if (!m) return undefined;
  const hours = Number(m[1] ?? 0) * 24 + Number(m[2]);
  return Math.round(((hours * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000);
}
