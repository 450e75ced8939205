/**
 * The rules of entitlements without a database: a privilege value checked and stored as Lago does
 * (CreateOrUpdateConcern#validate_value, Utils::Entitlement.cast_value), and a subscription's
 * entitlements merged from its plan's, its overrides and its removals (SubscriptionEntitlementQuery).
 */
import { checkPrivilegeValue } from '../../src/services/entitlements/privilege-values';
import { mergeEntitlements } from '../../src/services/entitlements';
import { castPrivilegeValue } from '../../src/serializers/entitlement';
import type { FeatureRow, PrivilegeRow } from '../../src/db/features';
import type { EntitlementView } from '../../src/db/entitlements';

const integer = { value_type: 'integer' as const, config: {} };
const boolean = { value_type: 'boolean' as const, config: {} };
const string = { value_type: 'string' as const, config: {} };
const select = { value_type: 'select' as const, config: { select_options: ['google', 'okta'] } };

describe('checkPrivilegeValue', () => {
  it.each([
    [integer, 10, '10'], [integer, 0, '0'], [integer, -3, '-3'], [integer, '42', '42'], [integer, '-7', '-7'],
    [boolean, true, 'true'], [boolean, false, 'false'], [boolean, 'true', 'true'], [boolean, 'false', 'false'],
    [string, 'gold', 'gold'], [select, 'okta', 'okta'],
  ])('%j accepts %p, stored as %p', (privilege, value, stored) => {
    expect(checkPrivilegeValue(privilege, value)).toEqual({ ok: true, stored });
  });

  it.each([
    [integer, 1.5, 'value_is_invalid'], [integer, '1.0', 'value_is_invalid'], [integer, '015', 'value_is_invalid'], [integer, '+1', 'value_is_invalid'],
    [integer, '-0', 'value_is_invalid'], [integer, ' 1', 'value_is_invalid'], [integer, true, 'value_is_invalid'], [integer, 2 ** 53, 'value_is_invalid'],
    [integer, '9007199254740993', 'value_is_invalid'], [boolean, 1, 'value_is_invalid'], [boolean, 'yes', 'value_is_invalid'], [boolean, 'TRUE', 'value_is_invalid'],
    [string, 3, 'value_is_invalid'], [string, ['a'], 'value_is_invalid'], [select, 'azure', 'value_not_in_select_options'], [select, 1, 'value_not_in_select_options'],
    [integer, null, 'value_is_mandatory'], [string, '', 'value_is_mandatory'], [boolean, undefined, 'value_is_mandatory'],
  ])('%j refuses %p with %p', (privilege, value, code) => {
    expect(checkPrivilegeValue(privilege, value)).toEqual({ ok: false, code });
  });

  it('casts stored text back to the type', () => {
    expect([castPrivilegeValue('10', 'integer'), castPrivilegeValue('true', 'boolean'), castPrivilegeValue('false', 'boolean'), castPrivilegeValue('okta', 'select'), castPrivilegeValue(null, 'string')])
      .toEqual([10, true, false, 'okta', null]);
  });
});

describe('mergeEntitlements', () => {
  const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 0, minute));
  const feature = (id: string): FeatureRow => ({ id, organization_id: 'o', code: id, name: null, description: null, created_at: at(0), updated_at: at(0) });
  const privilege = (id: string, featureId: string): PrivilegeRow => ({
    id, organization_id: 'o', feature_id: featureId, code: id, name: null, value_type: 'integer', config: {}, created_at: at(0), updated_at: at(0),
  });
  const seats = feature('seats');
  const sso = feature('sso');
  const [max, admins, level] = [privilege('max', 'seats'), privilege('admins', 'seats'), privilege('level', 'sso')];
  const entitlement = (id: string, f: FeatureRow, minute: number, values: [PrivilegeRow, string, number][], owner: 'plan' | 'sub'): EntitlementView => ({
    entitlement: { id, organization_id: 'o', feature_id: f.id, plan_id: owner === 'plan' ? 'p' : null, subscription_id: owner === 'sub' ? 's' : null, created_at: at(minute) },
    feature: f,
    values: values.map(([p, value, m]) => ({ privilege: p, value: { id: `${id}-${p.id}`, organization_id: 'o', entitlement_id: id, privilege_id: p.id, value, created_at: at(m), updated_at: at(m) } })),
  });
  const plan = [entitlement('pe', seats, 1, [[max, '10', 1], [admins, '2', 2]], 'plan')];
  const none = { featureIds: new Set<string>(), privilegeIds: new Set<string>() };
  const flat = (merged: ReturnType<typeof mergeEntitlements>) => merged.map((e) => [e.feature.code, e.privileges.map((p) => [p.privilege.code, p.planValue, p.overrideValue])]);

  it("is the plan's when the subscription has nothing of its own", () => {
    expect(flat(mergeEntitlements(plan, [], none))).toEqual([['seats', [['max', '10', null], ['admins', '2', null]]]]);
  });

  it('puts overrides beside plan values, adds what the plan lacks after it (oldest first)', () => {
    const own = [entitlement('se2', sso, 5, [[level, '3', 5]], 'sub'), entitlement('se1', seats, 4, [[max, '15', 4]], 'sub')];
    expect(flat(mergeEntitlements(plan, own, none))).toEqual([
      ['seats', [['max', '10', '15'], ['admins', '2', null]]],
      ['sso', [['level', null, '3']]],
    ]);
  });

  it('leaves out what was removed from the subscription: a whole feature, or one privilege of it', () => {
    expect(flat(mergeEntitlements(plan, [], { featureIds: new Set(['seats']), privilegeIds: new Set() }))).toEqual([]);
    expect(flat(mergeEntitlements(plan, [], { featureIds: new Set(), privilegeIds: new Set(['admins']) }))).toEqual([['seats', [['max', '10', null]]]]);
  });
});
