/**
 * The calendar's shortcuts (a close makes thousands of calls): UTC wall clocks computed without
 * Intl, and the start of a local day remembered. Each must answer exactly what the general path
 * answers: 'Etc/UTC' is the same zone as 'UTC' but takes the Intl path.
 */
import { localDateOf, startOfLocalDay, timezoneOffsetMs } from '../../src/billing/calendar';

describe('calendar fast paths', () => {
  it('UTC dates and offsets are those Intl gives for the same zone', () => {
    // Every 7,919 minutes (a prime: every hour and minute of the day comes round) from 1970 to 2100.
    const step = 7_919 * 60_000 + 1_234;
    let compared = 0;
    for (let t = 0; t < Date.UTC(2100, 0, 1); t += step) {
      expect(localDateOf(t, 'UTC')).toBe(localDateOf(t, 'Etc/UTC'));
      expect(timezoneOffsetMs(t, 'UTC')).toBe(timezoneOffsetMs(t, 'Etc/UTC'));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(8_000);
  });

  it('UTC by hand: the last millisecond of a day, a leap day, midnight', () => {
    expect(localDateOf(Date.UTC(2026, 11, 1, 23, 59, 59, 999), 'UTC')).toBe('2026-12-01');
    expect(localDateOf(Date.UTC(2026, 11, 2, 0, 0, 0, 0), 'UTC')).toBe('2026-12-02');
    expect(localDateOf(Date.UTC(2028, 1, 29, 12), 'UTC')).toBe('2028-02-29');
    expect(timezoneOffsetMs(Date.UTC(2026, 6, 1, 12, 0, 0, 500), 'UTC')).toBe(0);
    expect(startOfLocalDay('2026-12-02', 'UTC')).toBe(Date.UTC(2026, 11, 2));
  });

  it('a remembered day start is the one computed: asked twice, across a DST change', () => {
    // Paris moves to CEST (UTC+2) at 01:00 UTC on 2027-03-28; that day still starts at 00:00 CET = 23:00 UTC the day before.
    const first = startOfLocalDay('2027-03-28', 'Europe/Paris');
    expect(first).toBe(Date.UTC(2027, 2, 27, 23));
    expect(startOfLocalDay('2027-03-28', 'Europe/Paris')).toBe(first);
    // The next day starts at 00:00 CEST = 22:00 UTC.
    expect(startOfLocalDay('2027-03-29', 'Europe/Paris')).toBe(Date.UTC(2027, 2, 28, 22));
    // The same date elsewhere is another key.
    expect(startOfLocalDay('2027-03-28', 'America/New_York')).toBe(Date.UTC(2027, 2, 28, 4));
  });
});
