/**
 * Reference event aggregation (DESIGN.md §5, reference/lago-api.md §2): the in-memory oracle the
 * SQL aggregation must match. The rules and invariants are in `aggregation/README.md`.
 */
export * from './aggregation/types';
export { aggregate } from './aggregation/aggregate';
export { proratedEventUnits, proratedUnits } from './aggregation/prorated';
export { applyRounding, ceil5 } from './aggregation/rounding';
export { compareEvents, numericProperty, propertyText } from './aggregation/events';
export { seatStretches, type SeatStretch } from './aggregation/unique-count';
export {
  aggregateGroups, assertGroupKeys, compareGroups, distinctGroups, groupIdentity, groupsInWindow, groupValuesOf, type GroupResult,
} from './aggregation/grouping';
