/** Organizations: the tenants every object belongs to, and the API keys that open them. */
export { organizationOfApiKey } from './api-keys';
export type { OrganizationRow } from '../../db/organizations';
