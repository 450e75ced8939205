/** Organizations: the tenants every object belongs to, their API keys, their settings. */
export { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from './api-keys';
export { organizationHmacKey, setWebhooksAllowPrivateAddresses } from './operator-settings';
export {
  getOrganizationView, updateOrganization, ORGANIZATION_FIXED_SETTINGS, LATE_USAGE_POLICIES, type LateUsagePolicy, type OrganizationView, type UpdateOrganizationInput,
} from './settings';
export { closeConsoleSession, consoleSessionOrganization, openConsoleSession, type OpenedConsoleSession } from './console-sessions';
export type { OrganizationRow } from '../../db/organizations';
