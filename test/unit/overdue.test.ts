import { overdueInstantFor, overdueInstantMs } from '../../src/billing/overdue';

describe('overdueInstantMs: the start of the day after the due date, in the applicable timezone', () => {
  it('UTC: due 2026-01-31 turns overdue at 2026-02-01T00:00Z', () => {
    expect(new Date(overdueInstantMs('2026-01-31', 'UTC')).toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('Tokyo (UTC+9): due 2026-01-31 turns overdue at 2026-02-01 00:00 JST = 2026-01-31T15:00Z', () => {
    expect(new Date(overdueInstantMs('2026-01-31', 'Asia/Tokyo')).toISOString()).toBe('2026-01-31T15:00:00.000Z');
  });

  it('New York (UTC-5 in winter): due 2026-12-31 turns overdue at 2027-01-01 00:00 EST = 05:00Z', () => {
    expect(new Date(overdueInstantMs('2026-12-31', 'America/New_York')).toISOString()).toBe('2027-01-01T05:00:00.000Z');
  });

  it('a leap day: due 2028-02-28 turns overdue on 2028-02-29, not March 1st', () => {
    expect(new Date(overdueInstantMs('2028-02-28', 'UTC')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('a day that starts at 01:00 (Santiago springs forward at 2026-09-06 00:00 -04 → 01:00 -03): due 2026-09-05 turns overdue at the first instant of the 6th, 04:00Z', () => {
    // 2026-09-05 23:59:59 -04:00 is 2026-09-06T03:59:59Z; the next instant, 04:00Z, reads 01:00 -03:00 on the 6th.
    expect(new Date(overdueInstantMs('2026-09-05', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });
});

describe("overdueInstantFor: the customer's timezone, else the organization's, else UTC", () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it("the customer's timezone wins: New York, in a Tokyo organization, due 2026-12-31 turns overdue at 2027-01-01 00:00 EST = 05:00Z", () => {
    expect(iso(overdueInstantFor('2026-12-31', { timezone: 'America/New_York' }, { timezone: 'Asia/Tokyo' }))).toBe('2027-01-01T05:00:00.000Z');
  });

  it("no customer timezone: the organization's, Tokyo: due 2026-01-31 turns overdue at 2026-02-01 00:00 JST = 2026-01-31T15:00Z", () => {
    expect(iso(overdueInstantFor('2026-01-31', { timezone: null }, { timezone: 'Asia/Tokyo' }))).toBe('2026-01-31T15:00:00.000Z');
  });

  it('neither has a timezone: UTC, due 2026-01-31 turns overdue at 2026-02-01T00:00Z', () => {
    expect(iso(overdueInstantFor('2026-01-31', { timezone: null }, { timezone: null }))).toBe('2026-02-01T00:00:00.000Z');
  });
});
