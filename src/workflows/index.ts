/** The workflows the worker registers. */
export { subscriptionWorkflow } from './subscription';
export { webhookBatchWorkflow, webhookWorkflow } from './webhook';
export { documentBatchWorkflow, documentWorkflow } from './document';
export { paymentWorkflow, refundWorkflow } from './payment';
export { overdueWorkflow } from './overdue';
export { walletTopUpWorkflow } from './wallet-top-up';
