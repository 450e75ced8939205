/**
 * The lines an invoice holds, one builder per kind of fee (base fee, usage charge, add-on, credit
 * purchase), each a pure function of what it bills and the taxes that apply. For a subscription
 * invoice the lines follow from what it covers (the scope from periods.ts), the plan and the usage
 * already aggregated per charge (DESIGN.md §9, Kill Bill's generator). Writing them is the invoice
 * writer's job (services/invoicing/invoice-writer.ts).
 */
import { currencyExponent, Dec as Decimal, roundCents, subunitToUnit, type Cents, type Dec } from './money';
import { proratedBaseFee } from './proration';
import { creditPriceCents } from './wallet-credits';
import type { BaseFeeScope } from './periods';
import type { FeeKind } from './invoice-totals';

export interface TaxRate {
  code: string;
  name: string;
  /** Percent, e.g. 12.5. */
  rate: Dec;
  /** The tax's id and description, when known (shown on invoices as `lago_tax_id`, `tax_description`). */
  id?: string | null;
  description?: string | null;
}

export interface FeeLine {
  /** Unique within the invoice: 'subscription', 'charge:<id>', 'charge:<id>:true_up', 'commitment', 'add_on:<n>', 'credit'. */
  key: string;
  kind: Extract<FeeKind, 'subscription' | 'charge' | 'fixed_charge' | 'add_on' | 'credit' | 'commitment'>;
  chargeId: string | null;
  /** The fixed charge a `fixed_charge` line bills (billing/fixed-charges.ts); absent or null otherwise. */
  fixedChargeId?: string | null;
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
  fromMs: number | null;
  toMs: number | null;
  payInAdvance: boolean;
  amountDetails: Record<string, unknown>;
  taxes: TaxRate[];
  /** The charge filter a usage fee bills (a filtered charge's bucket); absent or null otherwise. */
  chargeFilter?: ChargeFilterTerms | null;
  /** The pricing group a usage fee bills (Lago's `grouped_by`: key → value, null when events lack it); absent or null otherwise. */
  groupedBy?: Record<string, string | null> | null;
  /** A usage fee's units split by presentation keys (display only), values as decimal strings; absent or empty otherwise. */
  presentationBreakdowns?: { presentation_by: Record<string, string | null>; units: string }[];
  /** A spending-minimum true-up: the key of the charge fee it tops up, on the same invoice (spending-minimums.ts); absent otherwise. */
  trueUpOf?: string | null;
}

/** A charge filter as a fee records it: its id, the values it matches and its name on invoices. */
export interface ChargeFilterTerms {
  id: string;
  values: Record<string, string[]>;
  invoiceDisplayName: string | null;
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

/** A seat's stretch on an invoice: what the document's seat history prints. */
export interface SeatHistoryLine {
  value: string;
  addedOn: string | null;
  removedOn: string | null;
  daysBilled: number;
}

export interface ChargeLineInput {
  chargeId: string;
  /** Distinguishes a charge's filter buckets; null for the charge's default bucket. */
  filterId: string | null;
  /** The filter itself, recorded on the fee (absent: only its id is known, as the key). */
  filter?: ChargeFilterTerms | null;
  /** A grouped charge's group (one fee per group), its values in the charge's key order; null otherwise. */
  groupedBy?: Record<string, string | null> | null;
  /** The fee's units by presentation keys (display only). */
  presentationBreakdowns?: { presentationBy: Record<string, string | null>; units: Dec }[];
  code: string;
  name: string;
  invoiceDisplayName: string | null;
  /** Units the fee shows (unprorated) and the units priced (prorated for prorated charges). */
  units: Dec;
  pricedUnits: Dec;
  eventsCount: number;
  amountCents: Cents;
  preciseAmountCents: Dec;
  /** Unit price in major units (the model's unit amount). */
  unitAmount: Dec;
  details: Record<string, unknown>;
  seats: SeatHistoryLine[] | null;
  fromMs: number;
  toMs: number;
}

/** A usage charge's line, priced by its charge model (usage billed in arrears for the window). */
export function chargeFeeLine(input: ChargeLineInput, currency: string, taxes: TaxRate[]): FeeLine {
  const seats = input.seats?.map((seat) => ({ value: seat.value, added_on: seat.addedOn, removed_on: seat.removedOn, days_billed: seat.daysBilled }));
  return {
    key: chargeLineKey(input),
    kind: 'charge',
    chargeId: input.chargeId,
    itemCode: input.code,
    itemName: input.name,
    invoiceDisplayName: input.invoiceDisplayName,
    units: input.units,
    totalAggregatedUnits: input.pricedUnits,
    eventsCount: input.eventsCount,
    amountCents: input.amountCents,
    preciseAmountCents: input.preciseAmountCents,
    unitAmountCents: roundCents(input.unitAmount.times(new Decimal(10).pow(currencyExponent(currency)))),
    preciseUnitAmount: input.unitAmount,
    fromMs: input.fromMs,
    toMs: input.toMs,
    payInAdvance: false,
    amountDetails: seats ? { ...input.details, seats } : input.details,
    taxes,
    chargeFilter: input.filter ?? null,
    groupedBy: input.groupedBy ?? null,
    presentationBreakdowns: (input.presentationBreakdowns ?? []).map((item) => ({ presentation_by: item.presentationBy, units: item.units.toFixed() })),
  };
}

/** `charge:<id>[:<filter id>][:group:<values as JSON>]`: one key per charge, filter and group. */
function chargeLineKey(input: Pick<ChargeLineInput, 'chargeId' | 'filterId' | 'groupedBy'>): string {
  const base = input.filterId ? `charge:${input.chargeId}:${input.filterId}` : `charge:${input.chargeId}`;
  return input.groupedBy ? `${base}:group:${JSON.stringify(Object.values(input.groupedBy))}` : base;
}

/**
 * Whether a usage fee belongs on the invoice: usage priced at 0 is shown (the hybrid walkthrough's
 * second invoice), a charge with no usage and nothing to pay is left off.
 */
export function billsUsage(fee: { amountCents: Cents; units: Dec; eventsCount: number }): boolean {
  return !(fee.amountCents === 0n && fee.units.isZero() && fee.eventsCount === 0);
}

/** Whether a plan's base fee belongs on the invoice: a €0 plan has no base-fee line (the per-seat walkthrough). */
export function billsBaseFee(plan: { amountCents: Cents }): boolean {
  return plan.amountCents > 0n;
}

/** Lago's tax precedence: a charge's own taxes, else the plan's, else the customer's. */
export function applicableTaxes(taxes: { charge?: TaxRate[]; plan: TaxRate[]; customer: TaxRate[] }): TaxRate[] {
  if (taxes.charge && taxes.charge.length > 0) return taxes.charge;
  return taxes.plan.length > 0 ? taxes.plan : taxes.customer;
}

export interface AddOnLineInput {
  /** The line's position on the invoice (keys must be unique). */
  index: number;
  code: string;
  name: string;
  invoiceDisplayName: string | null;
  units: Dec;
  unitAmountCents: Cents;
  fromMs: number | null;
  toMs: number | null;
}

/** A one-off add-on line: `round(units × unit amount)`. */
export function addOnFeeLine(input: AddOnLineInput, currency: string, taxes: TaxRate[]): FeeLine {
  const preciseAmountCents = input.units.times(input.unitAmountCents.toString());
  return {
    key: `add_on:${input.index}`,
    kind: 'add_on',
    chargeId: null,
    itemCode: input.code,
    itemName: input.name,
    invoiceDisplayName: input.invoiceDisplayName,
    units: input.units,
    totalAggregatedUnits: input.units,
    eventsCount: 0,
    amountCents: roundCents(preciseAmountCents),
    preciseAmountCents,
    unitAmountCents: input.unitAmountCents,
    preciseUnitAmount: new Decimal(input.unitAmountCents.toString()).dividedBy(subunitToUnit(currency)),
    fromMs: input.fromMs,
    toMs: input.toMs,
    payInAdvance: false,
    amountDetails: {},
    taxes,
  };
}

export interface CreditLineInput {
  name: string;
  invoiceDisplayName: string | null;
  credits: Dec;
  /** The wallet's rate: one credit costs this many major units. */
  rateAmount: Dec;
  /** What the purchase costs, rounded once when the credits were bought. */
  amountCents: Cents;
}

/** A purchase of prepaid credits: credits × rate, untaxed (reference/lago-api.md §1.8). */
export function creditFeeLine(input: CreditLineInput, currency: string): FeeLine {
  const unitPrice = creditPriceCents(input.rateAmount, currency);
  return {
    key: 'credit',
    kind: 'credit',
    chargeId: null,
    itemCode: 'credit',
    itemName: input.name,
    invoiceDisplayName: input.invoiceDisplayName,
    units: input.credits,
    totalAggregatedUnits: input.credits,
    eventsCount: 0,
    amountCents: input.amountCents,
    preciseAmountCents: input.credits.times(unitPrice),
    unitAmountCents: roundCents(unitPrice),
    preciseUnitAmount: input.rateAmount,
    fromMs: null,
    toMs: null,
    payInAdvance: true,
    amountDetails: {},
    taxes: [],
  };
}
