/** The Lago JSON objects the console reads (only the fields it uses). */
import type { Meta } from './api';

export type List<K extends string, T> = { [key in K]: T[] } & { meta: Meta };

export interface MetricFilter { key: string; values: string[] }
export interface Metric {
  lago_id: string; name: string; code: string; description: string | null; aggregation_type: string;
  field_name: string | null; recurring: boolean; weighted_interval: string | null;
  rounding_function: string | null; rounding_precision: number | null; filters: MetricFilter[];
  plans_count?: number; active_subscriptions_count?: number;
}

export interface Range { from_value: number; to_value: number | null; per_unit_amount?: string; flat_amount: string; rate?: string }
export interface ChargeProperties {
  amount?: string; package_size?: number; free_units?: number;
  graduated_ranges?: Range[]; volume_ranges?: Range[]; graduated_percentage_ranges?: Range[];
  rate?: string; fixed_amount?: string; free_units_per_events?: number | null; free_units_per_total_aggregation?: string | null;
  per_transaction_min_amount?: string | null; per_transaction_max_amount?: string | null;
}
export interface ChargeFilter { invoice_display_name: string | null; properties: ChargeProperties; values: Record<string, string[]> }
export interface Charge {
  lago_id: string; lago_billable_metric_id: string; billable_metric_code: string; code?: string | null; charge_model: string;
  invoice_display_name: string | null; pay_in_advance: boolean; invoiceable: boolean; prorated: boolean; min_amount_cents: number;
  properties: ChargeProperties; filters: ChargeFilter[]; taxes?: Tax[];
}
export interface Plan {
  lago_id: string; name: string; code: string; interval: string; description: string | null; amount_cents: number; amount_currency: string;
  trial_period: number | null; pay_in_advance: boolean; bill_charges_monthly: boolean | null; charges: Charge[]; taxes: Tax[];
  active_subscriptions_count?: number; customers_count?: number; invoice_display_name: string | null;
}

export interface Tax { lago_id: string; name: string; code: string; rate: number | string; description: string | null; applied_to_organization: boolean; created_at?: string }

export interface Customer {
  lago_id: string; external_id: string; name: string | null; email: string | null; currency: string | null; timezone: string | null;
  applicable_timezone: string; country: string | null; legal_name: string | null; tax_identification_number: string | null;
  address_line1: string | null; address_line2: string | null; city: string | null; zipcode: string | null; state: string | null;
  net_payment_term: number | null; created_at: string; taxes: Tax[];
  billing_configuration: { payment_provider: string | null; provider_customer_id?: string | null } | null;
}

export interface Subscription {
  lago_id: string; external_id: string; external_customer_id: string; name: string | null; plan_code: string; status: string;
  billing_time: string; subscription_at: string | null; started_at: string | null; ending_at: string | null; terminated_at: string | null;
  created_at: string; previous_plan_code: string | null; next_plan_code: string | null; downgrade_plan_date: string | null;
  current_billing_period_started_at: string | null; current_billing_period_ending_at: string | null; plan?: Plan;
}

export interface Fee {
  lago_id: string; lago_charge_id: string | null; lago_subscription_id: string | null; external_subscription_id: string | null;
  item: { type: string; code: string; name: string; invoice_display_name: string | null };
  amount_cents: number; amount_currency: string; precise_unit_amount: string | null; unit_amount_cents: number; taxes_amount_cents: number;
  total_amount_cents: number; units: string; events_count: number | null; from_date: string | null; to_date: string | null;
  amount_details: {
    graduated_ranges?: { from_value: number; to_value: number | null; units: string; per_unit_amount: string; flat_unit_amount: string; total_with_flat_amount: string }[];
    seats?: { value: string; added_on: string; removed_on: string | null; days_billed: number }[];
    [key: string]: unknown;
  } | null;
}
export interface AppliedTax { tax_code: string; tax_name: string; tax_rate: number; amount_cents: number }
export interface Invoice {
  lago_id: string; sequential_id: number | null; number: string; issuing_date: string; payment_due_date: string | null; invoice_type: string;
  status: string; payment_status: string; currency: string; fees_amount_cents: number; taxes_amount_cents: number; coupons_amount_cents: number;
  credit_notes_amount_cents: number; sub_total_excluding_taxes_amount_cents: number; total_amount_cents: number; total_due_amount_cents: number;
  prepaid_credit_amount_cents: number; file_url: string | null; voided_at: string | null; created_at: string;
  customer: Customer; fees?: Fee[]; applied_taxes?: AppliedTax[]; subscriptions?: Subscription[];
}

export interface CreditNote {
  lago_id: string; number: string; lago_invoice_id: string; invoice_number: string; issuing_date: string; reason: string; credit_status: string | null;
  refund_status: string | null; currency: string; total_amount_cents: number; credit_amount_cents: number; refund_amount_cents: number; balance_amount_cents: number;
}
export interface Wallet {
  lago_id: string; name: string | null; status: string; currency: string; rate_amount: string; credits_balance: string; balance_cents: number;
  ongoing_balance_cents: number; created_at: string; expiration_at: string | null;
}
export interface AppliedCoupon {
  lago_id: string; coupon_code: string; coupon_name: string; status: string; amount_cents: number | null; amount_cents_remaining: number | null;
  amount_currency: string | null; percentage_rate: string | null; frequency: string; frequency_duration_remaining: number | null; created_at: string;
}
export interface Coupon {
  lago_id: string; name: string; code: string; coupon_type: string; amount_cents: number | null; amount_currency: string | null; percentage_rate: string | null;
  frequency: string; frequency_duration: number | null; reusable: boolean; expiration: string; expiration_at: string | null; terminated_at: string | null;
}
export interface AddOn { lago_id: string; name: string; code: string; amount_cents: number; amount_currency: string; description: string | null; taxes: Tax[] }

export interface UsageEvent {
  lago_id: string; transaction_id: string; code: string; timestamp: string; properties: Record<string, unknown>;
  lago_subscription_id: string | null; external_subscription_id: string; created_at: string;
}
/** Where an event was billed, or why not (GET /events/:transaction_id, Billow's `billing`). */
export interface EventBilling {
  status: 'billed' | 'in_draft' | 'period_open' | 'late_pending' | 'late_ignored' | 'not_billed';
  late: boolean; lago_invoice_id: string | null; reason: 'draft_deleted' | 'outside_billed_periods' | null;
}
export interface ChargeUsageLine {
  units: string; events_count: number; amount_cents: number; amount_currency: string;
  charge: { lago_id: string; code?: string | null; charge_model: string; invoice_display_name: string | null };
  billable_metric: { lago_id: string; name: string; code: string; aggregation_type: string };
  filters: { units: string; amount_cents: number; events_count: number; invoice_display_name: string | null; values: Record<string, string[]> | null }[];
}
export interface CustomerUsage {
  from_datetime: string; to_datetime: string; issuing_date: string; currency: string; amount_cents: number; taxes_amount_cents: number;
  total_amount_cents: number; charges_usage: ChargeUsageLine[];
}

export interface WebhookEndpoint { lago_id: string; webhook_url: string; signature_algo: string; name: string | null; event_types: string[] | null; created_at: string }
export interface Delivery {
  lago_id: string; lago_webhook_id: string; attempt: number; trigger: string; http_status: number | null; error: string | null;
  started_at: string; finished_at: string | null; duration_ms: number | null;
}
export interface Webhook {
  lago_id: string; lago_webhook_endpoint_id: string; webhook_url: string; webhook_type: string; status: string; retries: number;
  http_status: number | null; last_error: string | null; last_attempt_at: string | null; created_at: string; attempts?: Delivery[];
}
