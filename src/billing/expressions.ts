/**
 * A billable metric's `expression` (Lago's expression language): a parser and an evaluator that run
 * no code (no `eval`, no `Function`). Rules and bounds in `expressions/README.md`.
 */
export { ExpressionError, MAX_DEPTH, MAX_EXPRESSION_LENGTH, countNodes, parseExpression, type ExpressionNode } from './expressions/syntax';
export {
  MAX_RESULT_LENGTH, evaluateExpression, evaluateExpressionText, propertiesWithExpression, storedValueOf, textOf, type ExpressionEvent, type ExpressionValue,
} from './expressions/evaluate';
