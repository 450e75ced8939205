/**
 * ISO-8601 durations (`P1M`, `P1Y2M10DT2H30M`, `P2W`) added to an instant in UTC: years and
 * months move the calendar date (clamped to the month's length), the rest is exact time.
 */
const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export function addIsoDuration(instantMs: number, duration: string): number {
  const match = PATTERN.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) throw new RangeError(`Not an ISO-8601 duration: ${duration}`);
  const [years, months, weeks, days, hours, minutes] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const seconds = Number(match[7] ?? 0);
  const start = new Date(instantMs);
  const monthIndex = start.getUTCFullYear() * 12 + start.getUTCMonth() + years! * 12 + months!;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const shifted = Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds());
  return shifted + ((weeks! * 7 + days!) * 86_400 + hours! * 3_600 + minutes! * 60) * 1000 + Math.round(seconds * 1000);
}
