/**
 * Lago's termination options: `on_termination_credit_note` (credit | refund | skip; pay-in-advance
 * plans only, null for arrears plans as Lago stores it) and `on_termination_invoice` (generate |
 * skip). Set on creation's defaults, by `PUT /subscriptions` or by `DELETE`'s query parameters.
 */
import type { SubscriptionRow } from '../../db/subscriptions';
import { Problems } from '../../runtime/errors';
import type { TerminationOptions } from '../../workflows/messages';

export const ON_TERMINATION_CREDIT_NOTES = ['credit', 'refund', 'skip'] as const;
export const ON_TERMINATION_INVOICES = ['generate', 'skip'] as const;

/** `DELETE /subscriptions/:external_id`'s options, as the query string has them (Lago's values). */
export interface TerminationQuery {
  on_termination_credit_note?: string;
  on_termination_invoice?: string;
}

/** Lago's termination options from the query: an unknown value is a 422 `invalid_value` naming it. */
export function terminationOptions(query: TerminationQuery): TerminationOptions {
  const options: TerminationOptions = {};
  const problems = new Problems();
  const creditNote = query.on_termination_credit_note;
  if (creditNote !== undefined && creditNote !== '') {
    if ((ON_TERMINATION_CREDIT_NOTES as readonly string[]).includes(creditNote)) options.onTerminationCreditNote = creditNote as TerminationOptions['onTerminationCreditNote'];
    else problems.add('on_termination_credit_note', 'invalid_value');
  }
  const invoice = query.on_termination_invoice;
  if (invoice !== undefined && invoice !== '') {
    if ((ON_TERMINATION_INVOICES as readonly string[]).includes(invoice)) options.onTerminationInvoice = invoice as TerminationOptions['onTerminationInvoice'];
    else problems.add('on_termination_invoice', 'invalid_value');
  }
  problems.throwIfAny();
  return options;
}

/** Lago's termination options as stored: the credit note option applies to pay-in-advance plans only (null otherwise). */
export function terminationFields(options: TerminationOptions, payInAdvance: boolean): Partial<SubscriptionRow> {
  const fields: Partial<SubscriptionRow> = {};
  if (options.onTerminationCreditNote !== undefined && payInAdvance) fields.on_termination_credit_note = options.onTerminationCreditNote;
  if (options.onTerminationInvoice !== undefined) fields.on_termination_invoice = options.onTerminationInvoice;
  return fields;
}
