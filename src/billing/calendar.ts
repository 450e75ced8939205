/**
 * Calendar dates in a timezone. Billing periods are calendar dates in the customer's timezone
 * (DESIGN.md §5): this module turns instants into local dates and back. It is deterministic
 * (Intl's bundled tz database, no clock) and safe to use inside workflows.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;

export interface DateParts {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseLocalDate(date: LocalDate): DateParts {
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`Not a calendar date: ${date}`);
  }
  return { year, month, day };
}

export function isLocalDate(value: string): boolean {
  try {
    parseLocalDate(value);
    return true;
  } catch {
    return false;
  }
}

export function formatLocalDate({ year, month, day }: DateParts): LocalDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
function epochDay(date: LocalDate): number {
  const { year, month, day } = parseLocalDate(date);
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

function fromEpochDay(days: number): LocalDate {
  const d = new Date(days * DAY_MS);
  return formatLocalDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromEpochDay(epochDay(date) + days);
}

/** `to − from` in days (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return epochDay(to) - epochDay(from);
}

/** Inclusive day count of `[from, to]`. */
export function daysInclusive(from: LocalDate, to: LocalDate): number {
  return daysBetween(from, to) + 1;
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(date: LocalDate): number {
  const dow = new Date(epochDay(date) * DAY_MS).getUTCDay();
  return dow === 0 ? 7 : dow;
}

/** Adds whole months, putting the day on `day` clamped to the target month's length. */
export function addMonthsOnDay(date: LocalDate, months: number, day: number): LocalDate {
  const { year, month } = parseLocalDate(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return formatLocalDate({ year: targetYear, month: targetMonth, day: Math.min(day, daysInMonth(targetYear, targetMonth)) });
}

export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function minLocalDate(a: LocalDate, b: LocalDate): LocalDate {
  return a <= b ? a : b;
}

export function maxLocalDate(a: LocalDate, b: LocalDate): LocalDate {
  return a >= b ? a : b;
}

// ---- timezones ----------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

export function isValidTimezone(timezone: string): boolean {
  if (typeof timezone !== 'string' || timezone.length === 0) return false;
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock extends DateParts {
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instantMs: number, timezone: string): WallClock {
  if (timezone === 'UTC') {
    // What the formatter answers for UTC, without it (it costs microseconds a call, and a close makes thousands).
    const at = new Date(instantMs);
    const year = at.getUTCFullYear();
    if (year >= 1 && year <= 9999) {
      return { year, month: at.getUTCMonth() + 1, day: at.getUTCDate(), hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() };
    }
  }
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `timezone` from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function timezoneOffsetMs(instantMs: number, timezone: string): number {
  const wall = wallClock(instantMs, timezone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/** The calendar date an instant falls on in `timezone`. */
export function localDateOf(instantMs: number, timezone: string): LocalDate {
  return formatLocalDate(wallClock(instantMs, timezone));
}

/**
 * The first instant of a calendar date in `timezone` (00:00 local, or the first existing instant
 * of the day where a daylight-saving jump skips midnight).
 */
export function startOfLocalDay(date: LocalDate, timezone: string): number {
  const key = `${timezone}|${date}`;
  const known = dayStarts.get(key);
  if (known !== undefined) return known;
  const start = computeStartOfLocalDay(date, timezone);
  // A pure function of its arguments (and the zone data): remembered, within a bound.
  if (dayStarts.size >= DAY_STARTS_KEPT) dayStarts.clear();
  dayStarts.set(key, start);
  return start;
}

const DAY_STARTS_KEPT = 10_000;
const dayStarts = new Map<string, number>();

function computeStartOfLocalDay(date: LocalDate, timezone: string): number {
  const { year, month, day } = parseLocalDate(date);
  const naive = Date.UTC(year, month - 1, day);
  const candidates = [naive - timezoneOffsetMs(naive, timezone)];
  candidates.push(naive - timezoneOffsetMs(candidates[0]!, timezone));
  const onDate = candidates.filter((t) => localDateOf(t, timezone) === date).sort((a, b) => a - b);
  if (onDate.length > 0) {
    const first = onDate[0]!;
    // A spring-forward gap at midnight: the day starts when the previous day ends.
    const previous = localDateOf(first - 1, timezone);
    return previous === date ? firstInstantOf(date, timezone, first) : first;
  }
  return firstInstantOf(date, timezone, candidates[1]!);
}

/** Binary search for the first instant on `date`, starting near `near` (only for DST edge cases). */
function firstInstantOf(date: LocalDate, timezone: string, near: number): number {
  let low = near - DAY_MS;
  let high = near + DAY_MS;
  while (localDateOf(high, timezone) > date) high -= 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (localDateOf(mid, timezone) < date) low = mid;
    else high = mid;
  }
  return high;
}

/** The last millisecond of a calendar date in `timezone` (23:59:59.999 local). */
export function endOfLocalDay(date: LocalDate, timezone: string): number {
  return startOfLocalDay(addDays(date, 1), timezone) - 1;
}
