/**
 * The ordered list of migrations. Listed statically (rather than read from disk) so the same
 * list runs under tsx, jest and the compiled build. Forward-only: append, never edit.
 */
import type { Knex } from 'knex';
import * as core from './20261121_001_core';
import * as invoices from './20261121_002_invoices';
import * as catalog from './20261121_003_catalog';
import * as usage from './20261121_004_usage';
import * as money from './20261121_005_money';
import * as documentsWebhooks from './20261121_006_documents_webhooks';
import * as inAdvanceFees from './20261121_007_in_advance_fees';
import * as documentRequests from './20261201_008_document_requests';
import * as requestContract from './20261201_009_request_contract';
import * as readRoutes from './20261201_010_read_routes';
import * as planPendingDeletion from './20261201_011_plan_pending_deletion';
import * as security from './20261201_012_security';
import * as consoleSessions from './20261201_013_console_sessions';
import * as couponCreditsAndFeeFilters from './20261201_014_coupon_credits_and_fee_filters';
import * as draftsLateUsage from './20261201_015_drafts_late_usage';
import * as invoiceSubscriptions from './20261201_016_invoice_subscriptions';
import * as workflowStarts from './20261201_017_workflow_starts';
import * as payments from './20261201_018_payments';
import * as groupedFees from './20261201_019_grouped_fees';
import * as commitments from './20261201_020_commitments';
import * as fixedCharges from './20261201_021_fixed_charges';
import * as entitlements from './20261201_022_entitlements';
import * as progressiveBilling from './20261201_023_progressive_billing';
import * as alerts from './20261201_024_alerts';
import * as gettingPaid from './20261201_025_getting_paid';
import * as liveWallets from './20261201_026_live_wallets';
import * as planOverrides from './20261201_027_plan_overrides';
import * as walletAlerts from './20261201_028_wallet_alerts';
import * as walletTransactionConsumptions from './20261201_029_wallet_transaction_consumptions';
import * as overdueSweep from './20261201_030_overdue_sweep';
import * as previousSubscriptionIndex from './20261202_031_previous_subscription_index';
import * as feePosition from './20261202_032_fee_position';

const migrations: Record<string, Knex.Migration> = {
  '20261121_001_core': core,
  '20261121_002_invoices': invoices,
  '20261121_003_catalog': catalog,
  '20261121_004_usage': usage,
  '20261121_005_money': money,
  '20261121_006_documents_webhooks': documentsWebhooks,
  '20261121_007_in_advance_fees': inAdvanceFees,
  '20261201_008_document_requests': documentRequests,
  '20261201_009_request_contract': requestContract,
  '20261201_010_read_routes': readRoutes,
  '20261201_011_plan_pending_deletion': planPendingDeletion,
  '20261201_012_security': security,
  '20261201_013_console_sessions': consoleSessions,
  '20261201_014_coupon_credits_and_fee_filters': couponCreditsAndFeeFilters,
  '20261201_015_drafts_late_usage': draftsLateUsage,
  '20261201_016_invoice_subscriptions': invoiceSubscriptions,
  '20261201_017_workflow_starts': workflowStarts,
  '20261201_018_payments': payments,
  '20261201_019_grouped_fees': groupedFees,
  '20261201_020_commitments': commitments,
  '20261201_021_fixed_charges': fixedCharges,
  '20261201_022_entitlements': entitlements,
  '20261201_023_progressive_billing': progressiveBilling,
  '20261201_024_alerts': alerts,
  '20261201_025_getting_paid': gettingPaid,
  '20261201_026_live_wallets': liveWallets,
  '20261201_027_plan_overrides': planOverrides,
  '20261201_028_wallet_alerts': walletAlerts,
  '20261201_029_wallet_transaction_consumptions': walletTransactionConsumptions,
  '20261201_030_overdue_sweep': overdueSweep,
  '20261202_031_previous_subscription_index': previousSubscriptionIndex,
  '20261202_032_fee_position': feePosition,
};

export const migrationSource: Knex.MigrationSource<string> = {
  // Sorted by name, so a migration registered out of order still runs in order.
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};
