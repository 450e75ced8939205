import { addIsoDuration } from '../../src/api/iso-duration';

const at = (iso: string) => Date.parse(iso);

describe('ISO-8601 durations', () => {
  it('moves calendar months, clamping to the month length', () => {
    expect(new Date(addIsoDuration(at('2027-01-19T10:00:00Z'), 'P1M')).toISOString()).toBe('2027-02-19T10:00:00.000Z');
    expect(new Date(addIsoDuration(at('2027-01-31T00:00:00Z'), 'P1M')).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(new Date(addIsoDuration(at('2028-02-29T00:00:00Z'), 'P1Y')).toISOString()).toBe('2029-02-28T00:00:00.000Z');
  });
  it('adds weeks, days and time exactly', () => {
    expect(new Date(addIsoDuration(at('2027-01-19T00:00:00Z'), 'P2W1DT2H30M15.5S')).toISOString()).toBe('2027-02-03T02:30:15.500Z');
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['P', 'PT', '1M', 'P1.5M', 'P-1D', 'P1MT']) expect(() => addIsoDuration(0, bad)).toThrow(RangeError);
  });
});
