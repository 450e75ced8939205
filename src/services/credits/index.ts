/**
 * Credits: what a customer holds against future invoices. Wallets of prepaid credits (created,
 * topped up, voided, terminated) and credit notes (created, voided, refunded, rendered), including
 * the automatic one for the unused days of a terminated pay-in-advance subscription. Invoices draw
 * on both through invoicing (services/invoicing/credit-draws.ts), which sits below this domain.
 */
export {
  createWallet, listWallets, showWallet, terminateWallet, updateWallet,
  type CreateWalletInput, type CustomerWallet, type UpdateWalletInput, type WalletAppliesToInput, type WalletReading,
} from './wallets';
export { ongoingBalanceOf, type OngoingBalance } from './ongoing-balances';
export { nextIntervalTopUp, runIntervalTopUp, walletTopUpWorkflowId, type RecurringRuleInput } from './recurring-top-ups';
export { changeWalletAlert, checkWallets, moveWalletCredits } from './wallet-checks';
export {
  createWalletAlert, createWalletAlerts, deleteWalletAlertByCode, deleteWalletAlerts, getWalletAlert, listWalletAlertsOf, MAX_WALLET_ALERT_THRESHOLDS,
  type CreateWalletAlertInput, type UpdateWalletAlertInput, type WalletAlertThresholdInput, type WalletAlertType, type WalletRef,
} from './wallet-alerts';
export { WALLET_ALERT_TYPES } from '../../db/wallet-alerts';
// The fee types `applies_to` names (the API's schemas may not import src/billing's internals through src/db).
export { WALLET_FEE_TYPES } from '../../billing/wallet-credits';
export {
  createWalletTransactions, getWalletTransaction, listWalletTransactionConsumptions, listWalletTransactions,
  type ConsumptionOf, type WalletMetadataItem, type WalletTransactionFilterInput, type WalletTransactionInput, type WalletTransactions,
} from './wallet-transactions';
export {
  createCreditNote, issueCreditNote, listCreditNotes, remainingCreditableFeeCents, showCreditNote, updateCreditNoteRefundStatus, voidCreditNote,
  type CreateCreditNoteInput, type IssueCreditNoteInput, type UpdateCreditNoteInput,
} from './credit-notes';
export type { PresentedCreditNote } from './credit-note-presenter';
export { creditNotePdf, downloadCreditNote, generateCreditNotePdf, type GeneratedCreditNoteDocument } from './credit-note-documents';
export { creditUnusedAdvanceFee, type UnusedFeeCreditInput } from './termination-credit';
// The values the API's schemas name (it may not import src/db).
export { CREDIT_NOTE_REASONS, REFUND_STATUSES, type CreditNoteReason, type RefundStatus } from '../../db/credit-notes';
