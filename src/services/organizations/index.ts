/** Organizations: the tenants every object belongs to, their API keys and their operator settings. */
export { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from './api-keys';
export { organizationHmacKey, setWebhooksAllowPrivateAddresses } from './settings';
export type { OrganizationRow } from '../../db/organizations';
