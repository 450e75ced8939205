/** Usage alerts: their CRUD on a subscription, and their evaluation after events arrive. */
export {
  createAlert, createAlerts, deleteAlertByCode, deleteSubscriptionAlerts, getAlert, listSubscriptionAlerts, updateAlertByCode, MAX_THRESHOLDS,
  type AlertThresholdInput, type AlertType, type CreateAlertInput, type SubscriptionRef, type UpdateAlertInput,
} from './alerts';
export { evaluateSubscriptionAlerts, type EvaluationInput, type EvaluationResult } from './evaluation';
export { alertEvaluatorFor, createAlertEvaluator, startAlertEvaluator, type AlertEvaluations, type AlertEvaluator, type AlertEvaluatorOptions } from './evaluator';
export { ALERT_TYPES } from '../../db/alerts';
