/**
 * The console's amounts (console/src/lib/format.ts, amounts.ts): minor units read with each
 * currency's ISO 4217 exponent, exactly (string arithmetic, no float), and typed amounts turned back
 * into minor units exactly or left for the API to refuse.
 */
import { centsToDecimal, money, unitPrice } from '../../console/src/lib/format';
import { decimalToCents } from '../../console/src/lib/amounts';

describe('amounts in the console', () => {
  it('reads minor units with the currency’s exponent', () => {
    expect(centsToDecimal(13500, 'USD')).toBe('135.00'); // exponent 2
    expect(centsToDecimal(500, 'JPY')).toBe('500'); // exponent 0
    expect(centsToDecimal(1500, 'KWD')).toBe('1.500'); // exponent 3
    expect(centsToDecimal(-5, 'EUR')).toBe('-0.05');
    // 2^53 + 1 cents: beyond a float's integers, still exact as a string.
    expect(centsToDecimal('9007199254740993', 'USD')).toBe('90071992547409.93');
  });

  it('formats them as a person reads them', () => {
    expect(money(13500, 'USD')).toBe('$135.00');
    expect(money(1677, 'EUR')).toBe('€16.77');
    expect(money(500, 'JPY')).toBe('¥500');
    expect(money(1500, 'KWD')).toBe('KWD\u00a01.500'); // Intl puts a no-break space after a code
    expect(money(null, 'USD')).toBe('—');
    expect(unitPrice('0.012', 'USD')).toBe('$0.012'); // every digit of a unit price
    expect(unitPrice('180', 'USD')).toBe('$180.00');
  });

  it('turns typed amounts into minor units exactly, or leaves them for the API to refuse', () => {
    expect(decimalToCents('120', 'USD')).toBe(12000);
    expect(decimalToCents('8.25', 'EUR')).toBe(825);
    expect(decimalToCents('0.1', 'USD')).toBe(10); // not 10.000000000000002
    expect(decimalToCents('1,200.50', 'USD')).toBe(120050);
    expect(decimalToCents('500', 'JPY')).toBe(500);
    expect(decimalToCents('1.234', 'USD')).toBe('1.234'); // more decimals than cents: refused by the API
    expect(decimalToCents('abc', 'USD')).toBe('abc');
  });
});
