import {
  addDays, addMonthsOnDay, daysBetween, daysInclusive, endOfLocalDay, isoWeekday, isValidTimezone,
  localDateOf, parseLocalDate, startOfLocalDay, timezoneOffsetMs,
} from '../../src/billing/calendar';

describe('calendar dates', () => {
  it('adds days across month and leap-year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
  });
  it('counts days', () => {
    expect(daysBetween('2027-01-19', '2027-02-19')).toBe(31);
    expect(daysInclusive('2027-02-03', '2027-02-18')).toBe(16);
  });
  it('adds months clamped to the anchor day', () => {
    expect(addMonthsOnDay('2027-01-31', 1, 31)).toBe('2027-02-28');
    expect(addMonthsOnDay('2028-01-31', 1, 31)).toBe('2028-02-29');
    expect(addMonthsOnDay('2027-11-30', 2, 30)).toBe('2028-01-30');
  });
  it('knows ISO weekdays', () => {
    expect(isoWeekday('2022-06-20')).toBe(1); // Monday
    expect(isoWeekday('2022-06-26')).toBe(7); // Sunday
  });
  it('rejects impossible dates', () => {
    expect(() => parseLocalDate('2027-02-29')).toThrow(RangeError);
    expect(() => parseLocalDate('2027-2-1')).toThrow(RangeError);
  });
});

describe('timezones', () => {
  it('validates IANA names', () => {
    expect(isValidTimezone('America/Los_Angeles')).toBe(true);
    expect(isValidTimezone('Mars/Olympus')).toBe(false);
  });
  it('finds local midnight in UTC across daylight saving', () => {
    // Los Angeles is UTC−8 in winter and UTC−7 in summer (DST from 2027-03-14).
    expect(new Date(startOfLocalDay('2027-01-15', 'America/Los_Angeles')).toISOString()).toBe('2027-01-15T08:00:00.000Z');
    expect(new Date(startOfLocalDay('2027-07-15', 'America/Los_Angeles')).toISOString()).toBe('2027-07-15T07:00:00.000Z');
    expect(new Date(endOfLocalDay('2027-03-14', 'America/Los_Angeles')).toISOString()).toBe('2027-03-15T06:59:59.999Z');
  });
  it('handles a zone whose daylight-saving jump skips midnight', () => {
    // America/Santiago springs forward at 00:00 → 01:00 on 2026-09-06 (UTC−4 → UTC−3).
    const start = startOfLocalDay('2026-09-06', 'America/Santiago');
    expect(localDateOf(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDateOf(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });
  it('maps instants to local dates', () => {
    expect(localDateOf(Date.parse('2027-01-19T07:59:59Z'), 'America/Los_Angeles')).toBe('2027-01-18');
    expect(localDateOf(Date.parse('2027-01-19T08:00:00Z'), 'America/Los_Angeles')).toBe('2027-01-19');
    expect(timezoneOffsetMs(Date.parse('2027-01-19T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3600_000);
  });
});
