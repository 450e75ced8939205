/**
 * The fees a subscription invoice should hold, as a pure function of what it covers (the scope
 * from periods.ts), the plan, the usage already aggregated per charge and the applicable taxes
 * (DESIGN.md §9, Kill Bill's generator). Persisting them is the caller's job.
 */
import { currencyExponent, Dec as Decimal, type Cents, type Dec } from './money';
import { proratedBaseFee } from './proration';
import type { BaseFeeScope } from './periods';

export interface TaxRate {
  code: string;
  name: string;
  /** Percent, e.g. 12.5. */
  rate: Dec;
}

export interface FeeLine {
  /** Unique within the invoice: 'subscription' or 'charge:<id>'. */
  key: string;
  kind: 'subscription' | 'charge';
  chargeId: string | null;
  itemCode: string;
  itemName: string;
  invoiceDisplayName: string | null;
  units: Dec;
  totalAggregatedUnits: Dec;
  eventsCount: number;
  amountCents: Cents;
  preciseAmountCents: Dec;
  unitAmountCents: Cents;
  preciseUnitAmount: Dec;
  fromMs: number;
  toMs: number;
  payInAdvance: boolean;
  amountDetails: Record<string, unknown>;
  taxes: TaxRate[];
}

export interface PlanTerms {
  code: string;
  name: string;
  invoiceDisplayName: string | null;
  amountCents: Cents;
  payInAdvance: boolean;
}

/** The base-fee line: `amount × billed days / D`, rounded once (reference §5.2). */
export function subscriptionFeeLine(plan: PlanTerms, scope: BaseFeeScope, currency: string, taxes: TaxRate[]): FeeLine {
  const { amountCents, preciseAmountCents } = proratedBaseFee(plan.amountCents, scope.billedDays, scope.fullDays);
  return {
    key: 'subscription',
    kind: 'subscription',
    chargeId: null,
    itemCode: plan.code,
    itemName: plan.name,
    invoiceDisplayName: plan.invoiceDisplayName,
    units: new Decimal(1),
    totalAggregatedUnits: new Decimal(1),
    eventsCount: 0,
    amountCents,
    preciseAmountCents,
    unitAmountCents: amountCents,
    preciseUnitAmount: preciseAmountCents.dividedBy(new Decimal(10).pow(currencyExponent(currency))),
    fromMs: scope.fromMs,
    toMs: scope.toMs,
    payInAdvance: plan.payInAdvance,
    amountDetails: { plan_amount_cents: plan.amountCents.toString(), billed_days: scope.billedDays, full_days: scope.fullDays },
    taxes,
  };
}
