/** The tokenizer and recursive-descent parser of Lago's expression language (README.md). */
import { Dec } from '../money';

export const MAX_EXPRESSION_LENGTH = 1_000;
export const MAX_DEPTH = 32;

export type FunctionName = 'round' | 'ceil' | 'floor' | 'concat';
export type Operator = '+' | '-' | '*' | '/';

export type ExpressionNode =
  | { kind: 'number'; value: Dec }
  | { kind: 'string'; value: string }
  | { kind: 'property'; name: string }
  | { kind: 'timestamp' }
  | { kind: 'code' }
  | { kind: 'negate'; operand: ExpressionNode }
  | { kind: 'binary'; operator: Operator; left: ExpressionNode; right: ExpressionNode }
  | { kind: 'call'; name: FunctionName; args: ExpressionNode[] };

/** Every failure to parse or evaluate: a code (Lago-style) and a message; nothing else is thrown. */
export class ExpressionError extends Error {
  constructor(
    readonly code: 'invalid_expression' | 'missing_variable' | 'invalid_value' | 'expected_decimal' | 'division_by_zero' | 'value_out_of_range' | 'result_too_long',
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Token =
  | { type: 'number'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'word'; text: string; at: number }
  | { type: 'symbol'; text: '+' | '-' | '*' | '/' | '(' | ')' | ',' | '.'; at: number };

const syntax = (message: string, at: number) => new ExpressionError('invalid_expression', `${message} at ${at}`);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isWordChar = (c: string) => isLetter(c) || isDigit(c) || c === '_';
const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (isBlank(c)) {
      i += 1;
    } else if (isDigit(c)) {
      const start = i;
      while (i < source.length && isDigit(source[i]!)) i += 1;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i += 1;
        while (i < source.length && isDigit(source[i]!)) i += 1;
      }
      tokens.push({ type: 'number', text: source.slice(start, i), at: start });
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw syntax('unterminated string', i);
      tokens.push({ type: 'string', text: source.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (isLetter(c)) {
      const start = i;
      while (i < source.length && isWordChar(source[i]!)) i += 1;
      tokens.push({ type: 'word', text: source.slice(start, i), at: start });
    } else if ('+-*/(),.'.includes(c)) {
      tokens.push({ type: 'symbol', text: c as '+', at: i });
      i += 1;
    } else {
      throw syntax(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  return tokens;
}

const FUNCTIONS: Record<string, FunctionName> = Object.fromEntries(
  (['round', 'ceil', 'floor', 'concat'] as const).flatMap((name) => [name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1)].map((spelling) => [spelling, name])),
);

/** Parses an expression into its tree; throws `ExpressionError('invalid_expression')` on anything else. */
export function parseExpression(source: string): ExpressionNode {
  if (typeof source !== 'string' || source.trim() === '') throw new ExpressionError('invalid_expression', 'empty expression');
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError('invalid_expression', `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const at = () => peek()?.at ?? source.length;
  const isSymbol = (text: string) => {
    const token = peek();
    return token?.type === 'symbol' && token.text === text;
  };
  const expectSymbol = (text: string) => {
    if (!isSymbol(text)) throw syntax(`expected ${JSON.stringify(text)}`, at());
    position += 1;
  };
  const expectWord = (): string => {
    const token = peek();
    if (token?.type !== 'word') throw syntax('expected a name', at());
    position += 1;
    return token.text;
  };

  function expression(depth: number): ExpressionNode {
    let left = term(depth);
    while (isSymbol('+') || isSymbol('-')) {
      const operator = (tokens[position++] as { text: Operator }).text;
      left = { kind: 'binary', operator, left, right: term(depth) };
    }
    return left;
  }

  function term(depth: number): ExpressionNode {
    let left = unary(depth);
    while (isSymbol('*') || isSymbol('/')) {
      const operator = (tokens[position++] as { text: Operator }).text;
      left = { kind: 'binary', operator, left, right: unary(depth) };
    }
    return left;
  }

  function unary(depth: number): ExpressionNode {
    if (isSymbol('-')) {
      if (depth >= MAX_DEPTH) throw syntax(`nested deeper than ${MAX_DEPTH}`, at());
      position += 1;
      return { kind: 'negate', operand: unary(depth + 1) };
    }
    return primary(depth);
  }

  function primary(depth: number): ExpressionNode {
    const token = peek();
    if (!token) throw syntax('unexpected end', source.length);
    if (token.type === 'number') {
      position += 1;
      return { kind: 'number', value: new Dec(token.text) };
    }
    if (token.type === 'string') {
      position += 1;
      return { kind: 'string', value: token.text };
    }
    if (token.type === 'symbol' && token.text === '(') {
      if (depth >= MAX_DEPTH) throw syntax(`nested deeper than ${MAX_DEPTH}`, token.at);
      position += 1;
      const inner = expression(depth + 1);
      expectSymbol(')');
      return inner;
    }
    if (token.type === 'word' && token.text === 'event') {
      position += 1;
      expectSymbol('.');
      const attribute = expectWord();
      if (attribute === 'timestamp') return { kind: 'timestamp' };
      if (attribute === 'code') return { kind: 'code' };
      if (attribute === 'properties') {
        expectSymbol('.');
        return { kind: 'property', name: expectWord() };
      }
      throw syntax(`unknown event attribute ${JSON.stringify(attribute)}`, token.at);
    }
    if (token.type === 'word' && FUNCTIONS[token.text]) {
      const name = FUNCTIONS[token.text]!;
      if (depth >= MAX_DEPTH) throw syntax(`nested deeper than ${MAX_DEPTH}`, token.at);
      position += 1;
      expectSymbol('(');
      const args = [expression(depth + 1)];
      while (isSymbol(',')) {
        position += 1;
        args.push(expression(depth + 1));
      }
      expectSymbol(')');
      if (name !== 'concat' && args.length > 2) throw syntax(`${name} takes one or two arguments`, token.at);
      return { kind: 'call', name, args };
    }
    throw syntax(`unexpected ${JSON.stringify(token.text)}`, token.at);
  }

  const tree = expression(0);
  if (position < tokens.length) throw syntax(`unexpected ${JSON.stringify(tokens[position]!.text)}`, at());
  return tree;
}

/** The number of nodes of a tree (at most the expression's length). */
export function countNodes(node: ExpressionNode): number {
  switch (node.kind) {
    case 'negate':
      return 1 + countNodes(node.operand);
    case 'binary':
      return 1 + countNodes(node.left) + countNodes(node.right);
    case 'call':
      return 1 + node.args.reduce((sum, arg) => sum + countNodes(arg), 0);
    default:
      return 1;
  }
}
