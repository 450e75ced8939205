/** The API paths the customer page reads first: shared with main.tsx, which asks them before the page's code has loaded. */
import { qs } from './api';

export const customerPath = (externalId: string) => `/customers/${encodeURIComponent(externalId)}`;
export const customerSubscriptionsPath = (externalId: string) =>
  `/subscriptions${qs({ external_customer_id: externalId, 'status': ['active', 'pending', 'terminated'], per_page: 100 })}`;
export const customerInvoicesPath = (externalId: string, page: number) => `/invoices${qs({ external_customer_id: externalId, page, per_page: 20 })}`;
