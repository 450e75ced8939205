/**
 * Revenue analytics (Lago's `/analytics/*`), each one SQL statement over finalized invoices and
 * their fees (drafts and voided invoices never count). Months are calendar months: an invoice's by
 * its issuing date, an overdue one's by its due date, a fee's service days in its customer's
 * timezone (the customer's, else the organization's). Amounts are summed exactly (numeric) and
 * rounded once per row, half away from zero. The rules of each metric are in
 * services/analytics/README.md.
 */
import type { Conn } from './knex';

/** What every metric is narrowed by: the organization, a window of months, a customer, a currency. */
export interface AnalyticsScope {
  organizationId: string;
  /** First day of the first and of the last month shown (`YYYY-MM-01`). */
  fromMonth: string;
  toMonth: string;
  customerId?: string;
  currency?: string;
}

export interface GrossRevenueRow { month: string; currency: string; amount_cents: string; invoices_count: number }
export interface InvoiceCollectionRow { month: string; payment_status: string; currency: string; invoices_count: number; amount_cents: string }
export interface InvoicedUsageRow { month: string; code: string; currency: string; amount_cents: string }
export interface MrrRow { month: string; currency: string; amount_cents: string }
export interface OverdueBalanceRow { month: string; currency: string; amount_cents: string; lago_invoice_ids: string[] }

/** The timezone a customer's dates are in. */
const TIMEZONE = "COALESCE(c.timezone, o.timezone, 'UTC')";
/** A month as text, `YYYY-MM-01`. */
const monthOf = (dateSql: string) => `to_char(date_trunc('month', ${dateSql}), 'YYYY-MM-DD')`;

/** SQL fragments and their bindings, kept in order. */
class Sql {
  readonly bindings: unknown[] = [];

  bind(value: unknown): string {
    this.bindings.push(value);
    return '?';
  }

  /** `AND <column> = ?` when a value is given. */
  andEquals(column: string, value: string | undefined): string {
    return value === undefined ? '' : `AND ${column} = ${this.bind(value)}`;
  }

  /** `AND <month expression> BETWEEN from AND to` for the scope's window. */
  andWithin(monthSql: string, scope: AnalyticsScope): string {
    return `AND ${monthSql} BETWEEN ${this.bind(scope.fromMonth)} AND ${this.bind(scope.toMonth)}`;
  }
}

async function rows<T>(db: Conn, sql: Sql, text: string): Promise<T[]> {
  return (await db.raw(text, sql.bindings)).rows as T[];
}

/**
 * Gross revenue: finalized invoices' totals by issuing month, less their refunds (credit notes'
 * refund parts not failed), plus the fees billed without an invoice (pay-in-advance charges that
 * are not invoiceable, not deleted) with their taxes, by the month of the event they billed.
 */
export async function grossRevenue(db: Conn, scope: AnalyticsScope): Promise<GrossRevenueRow[]> {
  const sql = new Sql();
  const invoices = `
    SELECT ${monthOf('i.issuing_date')} AS month, i.currency,
      i.total_amount_cents - COALESCE((
        SELECT SUM(cn.refund_amount_cents) FROM credit_notes cn
        WHERE cn.invoice_id = i.id AND cn.organization_id = i.organization_id AND cn.refund_status IS DISTINCT FROM 'failed'
      ), 0) AS amount,
      1 AS invoices
    FROM invoices i
    WHERE i.organization_id = ${sql.bind(scope.organizationId)} AND i.status = 'finalized' ${sql.andEquals('i.customer_id', scope.customerId)}`;
  const fees = `
    SELECT ${monthOf(`(COALESCE(f.from_datetime, f.created_at) AT TIME ZONE ${TIMEZONE})`)} AS month, f.currency,
      f.amount_cents + f.taxes_amount_cents AS amount, 0 AS invoices
    FROM fees f
    JOIN subscriptions s ON s.id = f.subscription_id
    JOIN customers c ON c.id = s.customer_id
    JOIN organizations o ON o.id = f.organization_id
    WHERE f.organization_id = ${sql.bind(scope.organizationId)} AND f.invoice_id IS NULL AND f.deleted_at IS NULL AND f.pay_in_advance
      ${sql.andEquals('c.id', scope.customerId)}`;
  return rows<GrossRevenueRow>(db, sql, `
    SELECT month, currency, CAST(SUM(amount) AS text) AS amount_cents, CAST(SUM(invoices) AS int) AS invoices_count
    FROM (${invoices} UNION ALL ${fees}) AS revenue
    WHERE true ${sql.andWithin('month', scope)} ${sql.andEquals('currency', scope.currency)}
    GROUP BY month, currency
    ORDER BY month, currency`);
}

/** Finalized invoices by issuing month, payment status and currency: how many, for how much. */
export async function invoiceCollection(db: Conn, scope: AnalyticsScope): Promise<InvoiceCollectionRow[]> {
  const sql = new Sql();
  return rows<InvoiceCollectionRow>(db, sql, `
    SELECT ${monthOf('i.issuing_date')} AS month, i.payment_status, i.currency,
      CAST(COUNT(*) AS int) AS invoices_count, CAST(SUM(i.total_amount_cents) AS text) AS amount_cents
    FROM invoices i
    WHERE i.organization_id = ${sql.bind(scope.organizationId)} AND i.status = 'finalized'
      ${sql.andEquals('i.customer_id', scope.customerId)} ${sql.andEquals('i.currency', scope.currency)}
      ${sql.andWithin(monthOf('i.issuing_date'), scope)}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3`);
}

/**
 * Usage charges' fees on finalized invoices, after coupons and before taxes, by issuing month and
 * metric; a closing invoice's fee counts without what progressive invoices billed of it already.
 */
export async function invoicedUsage(db: Conn, scope: AnalyticsScope): Promise<InvoicedUsageRow[]> {
  const sql = new Sql();
  return rows<InvoicedUsageRow>(db, sql, `
    SELECT ${monthOf('i.issuing_date')} AS month, bm.code, i.currency,
      CAST(ROUND(SUM(f.amount_cents - f.progressive_credit_amount_cents - f.precise_coupons_amount_cents)) AS text) AS amount_cents
    FROM fees f
    JOIN invoices i ON i.id = f.invoice_id
    JOIN charges ch ON ch.id = f.charge_id
    JOIN billable_metrics bm ON bm.id = ch.billable_metric_id
    WHERE i.organization_id = ${sql.bind(scope.organizationId)} AND i.status = 'finalized' AND f.fee_type = 'charge'
      ${sql.andEquals('i.customer_id', scope.customerId)} ${sql.andEquals('i.currency', scope.currency)}
      ${sql.andWithin(monthOf('i.issuing_date'), scope)}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3`);
}

/**
 * Monthly recurring revenue from subscription fees on finalized invoices. Each fee's net amount
 * (after coupons, with taxes, less what non-voided credit notes gave back on it) is spread evenly
 * over the days of the service period it billed; the days falling in a month, scaled from the
 * month's length to the plan's full period and divided by the months of the plan's interval
 * (weekly: × 52/12), are that month's MRR:
 *   net × days in month / days billed × full period days / days of the month × 1 / months per period.
 * A full period of a plan is worth its price / months per period each month (an annual plan 1/12);
 * a partial one counts for the days it covers.
 */
export async function mrr(db: Conn, scope: AnalyticsScope): Promise<MrrRow[]> {
  const sql = new Sql();
  const org = () => sql.bind(scope.organizationId);
  const credited = `
    SELECT cni.fee_id, SUM(cni.amount_cents - cni.coupons_adjustment_amount_cents + cni.taxes_amount_cents) AS cents
    FROM credit_note_items cni
    JOIN credit_notes cn ON cn.id = cni.credit_note_id
    WHERE cn.organization_id = ${org()} AND cn.voided_at IS NULL
    GROUP BY cni.fee_id`;
  const stretches = `
    SELECT i.currency,
      f.amount_cents - f.precise_coupons_amount_cents + f.taxes_amount_cents - COALESCE(cr.cents, 0) AS net,
      CAST(f.from_datetime AT TIME ZONE ${TIMEZONE} AS date) AS first_day,
      CAST(f.to_datetime AT TIME ZONE ${TIMEZONE} AS date) AS last_day,
      CAST(NULLIF(f.amount_details->>'full_days', '') AS numeric) AS full_days,
      CASE p.interval WHEN 'weekly' THEN 52 ELSE 1 END AS per_month_num,
      CASE p.interval WHEN 'weekly' THEN 12 WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 WHEN 'yearly' THEN 12 END AS per_month_den
    FROM fees f
    JOIN invoices i ON i.id = f.invoice_id
    JOIN customers c ON c.id = i.customer_id
    JOIN organizations o ON o.id = i.organization_id
    JOIN subscriptions s ON s.id = f.subscription_id
    JOIN plans p ON p.id = s.plan_id
    LEFT JOIN (${credited}) cr ON cr.fee_id = f.id
    WHERE i.organization_id = ${org()} AND i.status = 'finalized' AND f.fee_type = 'subscription'
      AND f.from_datetime IS NOT NULL AND f.to_datetime IS NOT NULL
      ${sql.andEquals('i.customer_id', scope.customerId)} ${sql.andEquals('i.currency', scope.currency)}`;
  const months = `
    SELECT CAST(m AS date) AS month, CAST(m + interval '1 month' - interval '1 day' AS date) AS last_day
    FROM generate_series(CAST(${sql.bind(scope.fromMonth)} AS date), CAST(${sql.bind(scope.toMonth)} AS date), interval '1 month') AS m`;
  return rows<MrrRow>(db, sql, `
    SELECT to_char(m.month, 'YYYY-MM-DD') AS month, s.currency,
      CAST(ROUND(SUM(
        s.net * (LEAST(s.last_day, m.last_day) - GREATEST(s.first_day, m.month) + 1) * COALESCE(s.full_days, s.last_day - s.first_day + 1) * s.per_month_num
        / ((s.last_day - s.first_day + 1) * (m.last_day - m.month + 1) * s.per_month_den)
      )) AS text) AS amount_cents
    FROM (${stretches}) s
    JOIN (${months}) m ON s.first_day <= m.last_day AND s.last_day >= m.month
    GROUP BY m.month, s.currency
    ORDER BY m.month, s.currency`);
}

/**
 * Finalized invoices past their due date and not paid (payment pending or failed), by due month:
 * what is still owed on each (the total less credit notes' offsets) and which invoices. "Past due"
 * is "due before today" in the customer's timezone, today being `nowMs`.
 */
export async function overdueBalance(db: Conn, scope: AnalyticsScope, nowMs: number): Promise<OverdueBalanceRow[]> {
  const sql = new Sql();
  const org = () => sql.bind(scope.organizationId);
  const owed = `i.total_amount_cents - COALESCE((SELECT SUM(cn.offset_amount_cents) FROM credit_notes cn WHERE cn.invoice_id = i.id AND cn.organization_id = i.organization_id), 0)`;
  return rows<OverdueBalanceRow>(db, sql, `
    SELECT ${monthOf('i.payment_due_date')} AS month, i.currency,
      CAST(SUM(${owed}) AS text) AS amount_cents,
      array_agg(i.id ORDER BY i.payment_due_date, i.id) AS lago_invoice_ids
    FROM invoices i
    JOIN customers c ON c.id = i.customer_id
    JOIN organizations o ON o.id = i.organization_id
    WHERE i.organization_id = ${org()} AND i.status = 'finalized' AND i.payment_status IN ('pending', 'failed')
      AND i.payment_due_date < CAST(CAST(${sql.bind(new Date(nowMs).toISOString())} AS timestamptz) AT TIME ZONE ${TIMEZONE} AS date)
      AND ${owed} > 0
      ${sql.andEquals('i.customer_id', scope.customerId)} ${sql.andEquals('i.currency', scope.currency)}
      ${sql.andWithin(monthOf('i.payment_due_date'), scope)}
    GROUP BY 1, 2
    ORDER BY 1, 2`);
}
