/**
 * Metric expressions (src/billing/expressions): Lago's language, parsed and evaluated without
 * running code. Hand-worked values, then fast-check: no input makes the parser or the evaluator
 * throw anything but an ExpressionError, loop, or recurse without bound.
 */
import fc from 'fast-check';
import {
  ExpressionError, MAX_DEPTH, MAX_EXPRESSION_LENGTH, MAX_RESULT_LENGTH, countNodes, evaluateExpressionText, parseExpression, storedValueOf,
  type ExpressionEvent,
} from '../../src/billing/expressions';

const event: ExpressionEvent = {
  code: 'calls',
  timestampMs: Date.parse('2027-01-15T10:00:00.750Z'), // 1800007200.75 s → event.timestamp 1800007200 (whole seconds)
  properties: { duration_ms: 150_000, started: '100', ended: '160.5', units: 3, name: 'gpu', flag: true, nothing: null, nested: { a: 1 } },
};
const value = (expression: string) => storedValueOf(evaluateExpressionText(expression, event));
const failure = (expression: string) => {
  try {
    evaluateExpressionText(expression, event);
  } catch (error) {
    if (error instanceof ExpressionError) return error.code;
    throw error;
  }
  return 'no error';
};

describe('evaluation, worked by hand', () => {
  it.each([
    ['round(event.properties.duration_ms / 1000 / 60, 2)', '2.5'], // 150000 / 1000 / 60 = 2.5 minutes
    ['1 + 2 * 3', '7'], // * before +
    ['(1 + 2) * 3', '9'],
    ['10 - 4 - 3', '3'], // left-associative: (10 − 4) − 3
    ['24 / 4 / 2', '3'], // (24 / 4) / 2
    ['-2 * 3', '-6'],
    ['- (2 - 5)', '3'],
    ['(event.properties.ended - event.properties.started) * event.properties.units', '181.5'], // (160.5 − 100) × 3; strings that read as decimals are numbers
    ['round(12.345, 2)', '12.35'], // half away from zero
    ['round(-12.345, 2)', '-12.35'],
    ['ROUND(12.5)', '13'],
    ['Ceil(12.31, 1)', '12.4'],
    ['ceil(-12.39, 1)', '-12.3'], // towards +∞
    ['floor(12.39, 1)', '12.3'],
    ['floor(-12.31, 1)', '-12.4'], // towards −∞
    ['round(1255, -1)', '1260'], // −1 digit: tens
    ['1 / 3 * 3', '1'], // 50 significant digits: 0.333…3 × 3 = 0.999…9 (50 nines) → shown as computed below
    ["concat(event.properties.name, '-', event.code, '-', event.properties.units)", 'gpu-calls-3'],
    ["concat(event.properties.flag, 'x')", 'truex'], // a boolean is its text
    ['event.timestamp', '1800007200'],
    ["'plain text'", 'plain text'],
    ['  2   *  ( 3 + 4 )  ', '14'],
  ])('%s = %s', (expression, expected) => {
    if (expression === '1 / 3 * 3') {
      expect(value(expression)).toBe(`0.${'9'.repeat(50)}`);
      return;
    }
    expect(value(expression)).toBe(expected);
  });

  it.each([
    ['event.properties.missing + 1', 'missing_variable'],
    ['event.properties.nothing', 'missing_variable'], // null is missing
    ['event.properties.nested', 'invalid_value'],
    ['event.properties.name * 2', 'expected_decimal'],
    ["round('a')", 'expected_decimal'],
    ['1 / (2 - 2)', 'division_by_zero'],
    ['round(1, 0.5)', 'invalid_value'], // digits must be whole
    ['round(1, 41)', 'invalid_value'],
    [`${'9'.repeat(30)} * ${'9'.repeat(30)}`, 'value_out_of_range'], // ≈ 1e60 > 1e40
  ])('%s fails with %s', (expression, code) => {
    expect(failure(expression)).toBe(code);
  });

  it.each([
    '', '   ', '1 +', '(1', '1)', 'round()', 'round(1, 2, 3)', 'sqrt(4)', 'event.foo', 'event.properties', 'event.properties.1a', "'open",
    '1 2', '1..2', 'eval(1)', 'Function', 'constructor', 'event.properties.__proto__.x', '1e3', '.5', '$', 'round (1)x',
  ])('%j does not parse', (expression) => {
    expect(() => parseExpression(expression)).toThrow(ExpressionError);
    try {
      parseExpression(expression);
    } catch (error) {
      expect((error as ExpressionError).code).toBe('invalid_expression');
    }
  });

  it('reads only own properties: event.properties.constructor is missing, not Object', () => {
    expect(failure('event.properties.constructor')).toBe('missing_variable');
    expect(failure('event.properties.toString')).toBe('missing_variable');
  });

  it('bounds length and nesting', () => {
    expect(() => parseExpression('1+'.repeat(600) + '1')).toThrow(/longer than 1000/); // 1201 characters
    expect(() => parseExpression('('.repeat(MAX_DEPTH + 1) + '1' + ')'.repeat(MAX_DEPTH + 1))).toThrow(/nested deeper/);
    expect(value('('.repeat(MAX_DEPTH) + '1' + ')'.repeat(MAX_DEPTH))).toBe('1');
    expect(() => parseExpression('-'.repeat(MAX_DEPTH + 1) + '1')).toThrow(/nested deeper/);
  });
});

// Tokens of the language and characters around it: most random sequences are invalid, some valid.
const token = fc.oneof(
  fc.constantFrom('1', '0', '2.5', '999999999999', '0.0001', '+', '-', '*', '/', '(', ')', ',', ' ', "'a'", "'", 'event', '.', 'event.properties.',
    'event.properties.duration_ms', 'event.properties.name', 'event.properties.missing', 'event.properties.nested', 'event.timestamp', 'event.code',
    'round(', 'ceil(', 'floor(', 'concat(', 'ROUND(', 'Round(', 'rOuNd(', '-1', '40', '41'),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('\u0000', '\n', 'é', '😀', '"', '`', '$', '{', '}', '[', ']', '=', ';', '\\'),
);
const source = fc.array(token, { maxLength: 120 }).map((parts) => parts.join(''));

describe('fuzzed (fast-check)', () => {
  it('parsing any text returns a tree of at most one node per character, or throws an ExpressionError', () => {
    fc.assert(
      fc.property(fc.oneof(source, fc.string({ maxLength: 300 })), (text) => {
        let tree;
        try {
          tree = parseExpression(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
          return;
        }
        expect(countNodes(tree)).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('evaluating what parses returns a number or a bounded string, or throws an ExpressionError', () => {
    const properties = fc.dictionary(fc.constantFrom('duration_ms', 'name', 'missing', 'nested', 'x'), fc.oneof(
      fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constantFrom('1e3', '-0', '1e999', 'NaN', null, true, { a: 1 }, [1]),
    ));
    fc.assert(
      fc.property(source, properties, fc.integer({ min: 0, max: 4_000_000_000_000 }), (text, props, timestampMs) => {
        try {
          const result = evaluateExpressionText(text, { code: 'c', timestampMs, properties: props });
          if (result.kind === 'string') expect(result.value.length).toBeLessThanOrEqual(MAX_RESULT_LENGTH);
          else expect(result.value.isFinite()).toBe(true);
          expect(storedValueOf(result).length).toBeLessThanOrEqual(MAX_RESULT_LENGTH);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('pathological inputs stay within the bounds: deep nesting, long concats, huge numbers', () => {
    for (const text of [
      '('.repeat(100_000), '-'.repeat(100_000) + '1', 'concat(' .repeat(400), `concat(${"'aaaaaaaaaa'".repeat(1).concat(', ').repeat(80)}'a')`,
      `${'9'.repeat(900)} * 9`, "concat(event.properties.x, event.properties.x, event.properties.x, event.properties.x)",
    ]) {
      try {
        const result = evaluateExpressionText(text.slice(0, MAX_EXPRESSION_LENGTH + 5), { code: 'c', timestampMs: 0, properties: { x: 'y'.repeat(5_000) } });
        expect(storedValueOf(result).length).toBeLessThanOrEqual(MAX_RESULT_LENGTH);
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionError);
      }
    }
  });
});
