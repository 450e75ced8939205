import { amountOf, price, usage } from './support';

const props = (freeUnits: number) => ({ amount: '100', package_size: 10, free_units: freeUnits });

describe('package charge model', () => {
  // Reference §11 vector 4: amount 100 per package of 10.
  it.each([
    ['121', 0, '1300'], // ceil(121 / 10) = 13 packages × 100
    ['121', 10, '1200'], // 121 − 10 = 111 → ceil(11.1) = 12 × 100
    ['121', 200, '0'], // 121 − 200 < 0 → nothing to pay
    ['0', 0, '0'], // no usage, no package
    ['10', 0, '100'], // exactly one package
    ['11', 0, '200'], // a started package is a full package
    ['0.5', 0, '100'], // even half a unit starts one
    ['15', 5, '100'], // 15 − 5 = 10 → 1 package
  ])('%s units with %i free → %s', (units, freeUnits, expected) => {
    expect(amountOf('package', props(freeUnits), usage(units))).toBe(expected);
  });

  it('accepts free_units omitted (0) and counts given as digit strings', () => {
    expect(amountOf('package', { amount: '100', package_size: '10' }, usage('21'))).toBe('300'); // 3 × 100
  });

  it('details the packages; unit amount is amount / units', () => {
    const result = price('package', props(10), usage('121'));
    expect(result.details).toEqual({
      kind: 'package',
      units: '121',
      free_units: '10',
      paid_units: '111',
      paid_packages: '12',
      per_package_size: '10',
      per_package_unit_amount: '100',
    });
    // 1200 / 121 = 9.917355…
    expect(result.unitAmount.toDecimalPlaces(6).toFixed()).toBe('9.917355');
  });

  it('reports only the units actually free', () => {
    const result = price('package', props(200), usage('121'));
    expect(result.details).toMatchObject({ free_units: '121', paid_units: '0', paid_packages: '0' });
    expect(result.unitAmount.isZero()).toBe(true);
  });
});
