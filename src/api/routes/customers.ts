import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { customerSchema } from '../schemas/customers';
import { customerView } from '../../serializers/customer';
import { serializeAppliedCoupon } from '../../serializers/coupon';
import { customersQuery, deleteCustomer, getCustomer, saveCustomer } from '../../services/customers/customers';
import { appliedCouponsQuery, removeAppliedCoupon } from '../../services/customers/applied-coupons';
import type { CustomerRow } from '../../db/customers';
import type { AppliedCouponDetails } from '../../db/coupons';
import { taxesOfOwners, type TaxWithCounts } from '../../db/taxes';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { pageFrom, paginate } from '../pagination';
import { listParam, stringParam } from '../query';

export async function customerTaxes(db: Db, organizationId: string, customers: readonly CustomerRow[]): Promise<Map<string, TaxWithCounts[]>> {
  return taxesOfOwners(db, organizationId, 'customer_taxes', customers.map((customer) => customer.id));
}

export function customersRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const view = async (organization: OrganizationRow, customer: CustomerRow) =>
    customerView(organization, await customerTaxes(db, organization.id, [customer]))(customer);

  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'customer', customerSchema);
    res.json({ customer: await view(organization, await saveCustomer(db, organization.id, input)) });
  }));
  router.get('/:externalId/applied_coupons', handle(async (req, res) => {
    const organization = organizationOf(req);
    const customer = await getCustomer(db, organization.id, String(req.params.externalId));
    const query = appliedCouponsQuery(db, organization.id, { status: stringParam(req.query, 'status') }).where('applied_coupons.customer_id', customer.id);
    const { rows, meta } = await paginate<AppliedCouponDetails>(query, pageFrom(req.query));
    res.json({ applied_coupons: rows.map(serializeAppliedCoupon), meta });
  }));
  router.delete('/:externalId/applied_coupons/:id', handle(async (req, res) => {
    const applied = await removeAppliedCoupon(db, organizationOf(req).id, String(req.params.externalId), String(req.params.id), await clock.now());
    res.json({ applied_coupon: serializeAppliedCoupon(applied) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ customer: await view(organization, await getCustomer(db, organization.id, String(req.params.externalId))) });
  }));
  router.delete('/:externalId', handle(async (req, res) => {
    const organization = organizationOf(req);
    const customer = await getCustomer(db, organization.id, String(req.params.externalId));
    const taxes = await customerTaxes(db, organization.id, [customer]);
    const deleted = await deleteCustomer(db, organization.id, customer.external_id, await clock.now());
    res.json({ customer: customerView(organization, taxes)(deleted) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const query = customersQuery(db, organization.id, {
      searchTerm: stringParam(req.query, 'search_term'),
      currencies: listParam(req.query, 'currencies'),
      countries: listParam(req.query, 'countries'),
    });
    const { rows, meta } = await paginate<CustomerRow>(query, pageFrom(req.query));
    res.json({ customers: rows.map(customerView(organization, await customerTaxes(db, organization.id, rows))), meta });
  }));
  return router;
}
