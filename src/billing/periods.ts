/**
 * Billing periods and invoice scopes: the public entry point of the period rules.
 * - periods-boundaries.ts: which dates one period covers (calendar and anniversary, §5.1);
 * - periods-scopes.ts: what each invoice of a subscription covers (base-fee days, charges window).
 * Proration amounts are in proration.ts.
 */
export * from './periods-boundaries';
export * from './periods-scopes';
