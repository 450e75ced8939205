import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createTaxSchema, updateTaxSchema } from '../schemas/taxes';
import { serializeTax } from '../../serializers/tax';
import { createTax, deleteTaxByCode, getTax, updateTaxByCode } from '../../services/catalog/taxes';
import { taxesWithCounts, type TaxWithCounts } from '../../db/taxes';
import { pageFrom, paginate } from '../pagination';

export function taxesRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'tax', createTaxSchema);
    res.json({ tax: serializeTax(await createTax(db, organizationOf(req).id, input)) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'tax', updateTaxSchema);
    res.json({ tax: serializeTax(await updateTaxByCode(db, organizationOf(req).id, String(req.params.code), input)) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ tax: serializeTax(await getTax(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const query = taxesWithCounts(db, organizationOf(req).id).orderBy([{ column: 'taxes.created_at', order: 'desc' }, { column: 'taxes.id' }]);
    const { rows, meta } = await paginate<TaxWithCounts>(query, pageFrom(req.query));
    res.json({ taxes: rows.map(serializeTax), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ tax: serializeTax(await deleteTaxByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
