/**
 * When an unpaid invoice turns overdue: at the start of the day after its `payment_due_date`, in
 * the timezone that applies to its customer (the customer's, else the organization's). The whole
 * due date is the customer's to pay on, wherever they are.
 */
import { addDays, startOfLocalDay, type LocalDate } from './calendar';
import { applicableTimezone } from './subscription-terms';

export function overdueInstantMs(paymentDueDate: LocalDate, timezone: string): number {
  return startOfLocalDay(addDays(paymentDueDate, 1), timezone);
}

/** The overdue instant of a customer's invoice, in the timezone that applies (`applicableTimezone`). */
export function overdueInstantFor(paymentDueDate: LocalDate, customer: { timezone: string | null }, organization: { timezone: string | null }): number {
  return overdueInstantMs(paymentDueDate, applicableTimezone(customer, organization));
}
