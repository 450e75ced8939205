import {
  centsToJson, centsToMajor, currencyExponent, Dec, formatMajor, isCurrency, majorToCents, majorToPreciseCents,
  maxCents, minCents, MoneyError, parseCents, parseDecimal, roundCents, subunitToUnit, sumCents, toDecimalString,
} from '../../src/billing/money';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof MoneyError ? error.code : 'not a MoneyError';
  }
}

describe('currencies', () => {
  // ISO 4217 minor units from the currency table (not Intl, which says 0 for IQD, MGA and HUF).
  it.each([
    ['USD', 2], ['EUR', 2], ['JPY', 0], ['KWD', 3], ['IQD', 3], ['HUF', 2], ['MGA', 2], ['CLP', 0], ['BHD', 3],
  ])('%s has exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it('knows which codes are invoiceable currencies', () => {
    expect(isCurrency('USD')).toBe(true);
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('ZZZ')).toBe(false);
    expect(isCurrency('XAU')).toBe(false); // gold has no minor unit to invoice in
    expect(isCurrency(840)).toBe(false);
  });

  it('refuses unknown currencies with value_is_invalid', () => {
    expect(codeOf(() => currencyExponent('ZZZ'))).toBe('value_is_invalid');
  });

  it('gives the subunit factor', () => {
    expect(subunitToUnit('KWD').toFixed()).toBe('1000');
    expect(subunitToUnit('JPY').toFixed()).toBe('1');
  });
});

describe('rounding once, half away from zero', () => {
  it.each([
    ['16.7661', 'EUR', 1677n], // 1676.61 → 1677
    ['0.125', 'USD', 13n], // 12.5 → 13
    ['-0.125', 'USD', -13n], // −12.5 → −13, not −12
    ['0.135', 'USD', 14n], // 13.5 → 14
    ['0.145', 'USD', 15n], // 14.5 → 15 (banker's rounding would give 14)
    ['100.5', 'JPY', 101n], // no minor unit
    ['1.0005', 'KWD', 1001n], // 1000.5 fils → 1001
    ['0.004', 'USD', 0n], // 0.4 → 0
  ])('%s %s → %s', (amount, currency, cents) => {
    expect(majorToCents(amount, currency)).toBe(cents);
  });

  it('rounds precise cents', () => {
    expect(roundCents('0.5')).toBe(1n);
    expect(roundCents('-0.5')).toBe(-1n);
    expect(roundCents('1.49999')).toBe(1n);
    expect(roundCents(new Dec('19733.335'))).toBe(19733n);
  });

  it('keeps precise cents unrounded', () => {
    expect(majorToPreciseCents('16.7661', 'EUR').toFixed()).toBe('1676.61');
  });
});

describe('cents and major units', () => {
  it('converts back to major units and formats with the exponent', () => {
    expect(centsToMajor(12345n, 'USD').toFixed()).toBe('123.45');
    expect(formatMajor(12000n, 'USD')).toBe('120.00');
    expect(formatMajor(1200n, 'JPY')).toBe('1200');
    expect(formatMajor(1234n, 'KWD')).toBe('1.234');
    expect(formatMajor(-5n, 'USD')).toBe('-0.05');
  });

  it('sums and compares cents', () => {
    expect(sumCents([1n, 2n, 3n])).toBe(6n);
    expect(sumCents([])).toBe(0n);
    expect(minCents(3n, -4n)).toBe(-4n);
    expect(maxCents(3n, -4n)).toBe(3n);
  });

  it('writes cents as JSON numbers only when exact', () => {
    expect(centsToJson(12n)).toBe(12);
    expect(centsToJson(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(codeOf(() => centsToJson(BigInt(Number.MAX_SAFE_INTEGER) + 1n))).toBe('value_is_out_of_range');
    expect(codeOf(() => centsToJson(BigInt(Number.MIN_SAFE_INTEGER) - 1n))).toBe('value_is_out_of_range');
  });
});

describe('strict decimal parsing', () => {
  it.each([
    ['0.012', '0.012'], ['5', '5'], ['5.', '5'], ['.5', '0.5'], ['007', '7'], ['0', '0'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('accepts %j', (input, expected) => {
    expect(parseDecimal(input).toFixed()).toBe(expected);
  });

  it.each([['1e3'], ['1E3'], ['NaN'], ['Infinity'], ['-Infinity'], [''], [' '], [' 5'], ['5 '], ['0x10'], ['1,5'], ['+5'], ['.'], ['-'], ['1.2.3']])(
    'rejects %j',
    (input) => {
      expect(codeOf(() => parseDecimal(input))).toBe('value_is_invalid');
    },
  );

  it('rejects negatives unless allowed', () => {
    expect(codeOf(() => parseDecimal('-1'))).toBe('value_is_invalid');
    expect(parseDecimal('-1', { allowNegative: true }).toFixed()).toBe('-1');
    expect(parseDecimal('-0').isZero()).toBe(true); // negative zero is zero
  });

  it('accepts finite JSON numbers unless told not to', () => {
    expect(parseDecimal(2.5).toFixed()).toBe('2.5');
    expect(parseDecimal(1e21).toFixed()).toBe('1000000000000000000000'); // String(1e21) is "1e+21"
    expect(parseDecimal(1e-7).toFixed()).toBe('0.0000001');
    expect(codeOf(() => parseDecimal(Number.NaN))).toBe('value_is_invalid');
    expect(codeOf(() => parseDecimal(Number.POSITIVE_INFINITY))).toBe('value_is_invalid');
    expect(codeOf(() => parseDecimal(5, { allowNumber: false }))).toBe('value_is_invalid');
  });

  it('rejects non-decimals and uses the given error code', () => {
    expect(codeOf(() => parseDecimal(null))).toBe('value_is_invalid');
    expect(codeOf(() => parseDecimal({}))).toBe('value_is_invalid');
    expect(codeOf(() => parseDecimal('abc', { errorCode: 'invalid_amount' }))).toBe('invalid_amount');
  });

  it('parses integer cents', () => {
    expect(parseCents(1200)).toBe(1200n);
    expect(parseCents('1200')).toBe(1200n);
    expect(parseCents('-5', { allowNegative: true })).toBe(-5n);
    expect(codeOf(() => parseCents(-5))).toBe('value_is_invalid');
    expect(codeOf(() => parseCents(1.5))).toBe('value_is_invalid');
    expect(codeOf(() => parseCents(2 ** 60))).toBe('value_is_invalid'); // beyond exact JSON integers
    expect(codeOf(() => parseCents('12.0', { errorCode: 'invalid_amount' }))).toBe('invalid_amount');
  });
});

describe('toDecimalString', () => {
  it('writes plain notation, never an exponent or -0', () => {
    expect(toDecimalString(new Dec('1e-45'))).toBe(`0.${'0'.repeat(44)}1`);
    expect(toDecimalString(new Dec('1e45'))).toBe(`1${'0'.repeat(45)}`);
    expect(toDecimalString(new Dec('-0'))).toBe('0');
    expect(toDecimalString('2.50')).toBe('2.5');
    expect(toDecimalString(-3)).toBe('-3');
  });
});
