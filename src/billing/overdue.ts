/**
 * When an unpaid invoice turns overdue: at the start of the day after its `payment_due_date`, in
 * the timezone that applies to its customer (the customer's, else the organization's). The whole
 * due date is the customer's to pay on, wherever they are.
 */
import { addDays, startOfLocalDay, type LocalDate } from './calendar';

export function overdueInstantMs(paymentDueDate: LocalDate, timezone: string): number {
  return startOfLocalDay(addDays(paymentDueDate, 1), timezone);
}
