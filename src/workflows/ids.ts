/** Workflow ids: one subscription workflow per organization and external id (DESIGN.md §4). */
export function subscriptionWorkflowId(organizationId: string, externalId: string): string {
  return `subscription/${organizationId}/${externalId}`;
}
