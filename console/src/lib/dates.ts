/** Dates as a person reads them: instants in the customer's timezone with the zone shown (no billing code: the first load needs only this). */
const locale = typeof navigator === 'undefined' ? 'en-US' : navigator.language || 'en-US';

/** An instant in a timezone, with the zone: "Jan 19, 2027, 00:00 UTC". */
export function dateTime(iso: string | null | undefined, timeZone = 'UTC'): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone, timeZoneName: 'short' }).format(date);
}

/** The calendar day of an instant in a timezone, with the zone: "Jan 19, 2027 (UTC)". */
export function dayOf(iso: string | null | undefined, timeZone = 'UTC'): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(date)} (${zoneName(timeZone, date)})`;
}

/** A calendar date that is already the customer's ("2027-01-19", an invoice's issuing date). */
export function calendarDate(day: string | null | undefined, timeZone?: string): string {
  if (!day) return '—';
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
  return timeZone ? `${text} (${zoneName(timeZone, new Date(Date.UTC(y, m - 1, d)))})` : text;
}

function zoneName(timeZone: string, at: Date): string {
  const part = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  return part?.value ?? timeZone;
}

/** Every IANA zone the browser knows (for the customer form). */
export function timeZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.includes('UTC') ? supported : ['UTC', ...supported];
}
