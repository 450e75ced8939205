/** The workflows the worker registers. */
export { subscriptionWorkflow } from './subscription';
export { webhookWorkflow } from './webhook';
export { documentWorkflow } from './document';
export { paymentWorkflow, refundWorkflow } from './payment';
