/** Organizations: the tenants every object belongs to, and the API keys that open them. */
export { organizationOfApiKey } from './api-keys';
export { closeConsoleSession, consoleSessionOrganization, openConsoleSession, type OpenedConsoleSession } from './console-sessions';
export type { OrganizationRow } from '../../db/organizations';
