/** The workflows the worker registers. */
export { subscriptionWorkflow } from './subscription';
