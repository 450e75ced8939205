import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { customerSchema } from '../schemas/customers';
import { serializeCustomer } from '../serializers/customer';
import { getCustomer, saveCustomer } from '../../services/customers';
import { liveCustomers, type CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { pageFrom, paginate } from '../pagination';

export function customerView(organization: OrganizationRow) {
  return (customer: CustomerRow) =>
    serializeCustomer(customer, { prefix: organization.document_number_prefix, organizationTimezone: organization.timezone });
}

export function customersRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'customer', customerSchema);
    res.json({ customer: customerView(organization)(await saveCustomer(db, organization.id, input)) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ customer: customerView(organization)(await getCustomer(db, organization.id, String(req.params.externalId))) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { rows, meta } = await paginate<CustomerRow>(liveCustomers(db, organization.id).orderBy('created_at', 'desc'), pageFrom(req.query));
    res.json({ customers: rows.map(customerView(organization)), meta });
  }));
  return router;
}
