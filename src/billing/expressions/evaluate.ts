/** Evaluating a parsed expression against one event (README.md): decimals, strings, bounded. */
import Decimal from 'decimal.js';
import { Dec } from '../money';
import { ExpressionError, parseExpression, type ExpressionNode } from './syntax';

export const MAX_RESULT_LENGTH = 10_000;
const MAX_EXPONENT = 40;
const MAX_DIGITS = 40;

/** The event an expression reads. */
export interface ExpressionEvent {
  code: string;
  /** Epoch milliseconds: `event.timestamp` is whole Unix seconds. */
  timestampMs: number;
  properties: Record<string, unknown>;
}

export type ExpressionValue = { kind: 'number'; value: Dec } | { kind: 'string'; value: string };

const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;

function bounded(value: Dec): Dec {
  if (!value.isFinite() || (!value.isZero() && (value.e >= MAX_EXPONENT || value.e < -MAX_EXPONENT))) {
    throw new ExpressionError('value_out_of_range', `value out of range (beyond 1e${MAX_EXPONENT} or below 1e-${MAX_EXPONENT})`);
  }
  return value;
}

function propertyValue(name: string, raw: unknown): ExpressionValue {
  if (raw === undefined || raw === null) throw new ExpressionError('missing_variable', `Variable: ${name} not found`);
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new ExpressionError('invalid_value', `Variable: ${name} is not a finite number`);
    return { kind: 'number', value: bounded(new Dec(raw)) };
  }
  if (typeof raw === 'string') {
    return NUMERIC_TEXT.test(raw) ? { kind: 'number', value: bounded(new Dec(raw)) } : { kind: 'string', value: raw };
  }
  if (typeof raw === 'boolean') return { kind: 'string', value: String(raw) };
  throw new ExpressionError('invalid_value', `Variable: ${name} is neither a number nor a string`);
}

function decimalOf(value: ExpressionValue): Dec {
  if (value.kind !== 'number') throw new ExpressionError('expected_decimal', 'Expected a decimal');
  return value.value;
}

/** A value's text, as `concat` joins it: numbers in plain notation. */
export function textOf(value: ExpressionValue): string {
  return value.kind === 'string' ? value.value : value.value.isZero() ? '0' : value.value.toFixed();
}

const MODES = { round: Decimal.ROUND_HALF_UP, ceil: Decimal.ROUND_CEIL, floor: Decimal.ROUND_FLOOR } as const;

function rounded(mode: keyof typeof MODES, value: Dec, digitsValue: ExpressionValue | undefined): Dec {
  const digits = digitsValue === undefined ? new Dec(0) : decimalOf(digitsValue);
  if (!digits.isInteger() || digits.abs().gt(MAX_DIGITS)) throw new ExpressionError('invalid_value', `rounding digits must be whole and within ±${MAX_DIGITS}`);
  const scale = new Dec(10).pow(digits.toNumber());
  return bounded(value.times(scale).toDecimalPlaces(0, MODES[mode]).dividedBy(scale));
}

function evaluateNode(node: ExpressionNode, event: ExpressionEvent): ExpressionValue {
  switch (node.kind) {
    case 'number':
      return { kind: 'number', value: bounded(node.value) };
    case 'string':
      return { kind: 'string', value: node.value };
    case 'property':
      return propertyValue(node.name, Object.hasOwn(event.properties, node.name) ? event.properties[node.name] : undefined);
    case 'timestamp':
      return { kind: 'number', value: new Dec(Math.floor(event.timestampMs / 1000)) };
    case 'code':
      return { kind: 'string', value: event.code };
    case 'negate':
      return { kind: 'number', value: decimalOf(evaluateNode(node.operand, event)).negated() };
    case 'binary': {
      const left = decimalOf(evaluateNode(node.left, event));
      const right = decimalOf(evaluateNode(node.right, event));
      switch (node.operator) {
        case '+':
          return { kind: 'number', value: bounded(left.plus(right)) };
        case '-':
          return { kind: 'number', value: bounded(left.minus(right)) };
        case '*':
          return { kind: 'number', value: bounded(left.times(right)) };
        case '/':
          if (right.isZero()) throw new ExpressionError('division_by_zero', 'Division by zero');
          return { kind: 'number', value: bounded(left.dividedBy(right)) };
      }
      break;
    }
    case 'call': {
      const args = node.args.map((arg) => evaluateNode(arg, event));
      if (node.name === 'concat') {
        const text = args.map(textOf).join('');
        if (text.length > MAX_RESULT_LENGTH) throw new ExpressionError('result_too_long', `concat longer than ${MAX_RESULT_LENGTH} characters`);
        return { kind: 'string', value: text };
      }
      return { kind: 'number', value: rounded(node.name, decimalOf(args[0]!), args[1]) };
    }
  }
  throw new ExpressionError('invalid_expression', 'unknown node');
}

/** Evaluates a parsed expression; throws only `ExpressionError`. */
export function evaluateExpression(tree: ExpressionNode, event: ExpressionEvent): ExpressionValue {
  return evaluateNode(tree, event);
}

/** Parses and evaluates in one go (the evaluate_expression route, ingestion). */
export function evaluateExpressionText(expression: string, event: ExpressionEvent): ExpressionValue {
  return evaluateExpression(parseExpression(expression), event);
}

/** The value stored in the event's `properties[field_name]`: a number as a plain decimal string, a string as it is. */
export function storedValueOf(value: ExpressionValue): string {
  return textOf(value);
}

/**
 * What ingestion stores for a metric with an expression: the event's properties with the result in
 * `properties[fieldName]` (a number as a plain decimal string). Throws `ExpressionError`.
 */
export function propertiesWithExpression(tree: ExpressionNode, fieldName: string, event: ExpressionEvent): Record<string, unknown> {
  return { ...event.properties, [fieldName]: storedValueOf(evaluateExpression(tree, event)) };
}
