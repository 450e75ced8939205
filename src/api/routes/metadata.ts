/** The metadata of a wallet (`/wallets/:id/metadata[/:key]`) and of a credit note (`/credit_notes/:id/metadata[/:key]`). */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { serializeMetadata } from '../../serializers/metadata';
import { parseMetadataBody } from '../schemas/metadata';
import { changeCreditNoteMetadata, changeWalletMetadata, type MetadataChange, type MetadataValue } from '../../services/credits/customer-wallets';
import type { Db } from '../../services/deps';

type Change = (db: Db, organizationId: string, id: string, change: MetadataChange) => Promise<MetadataValue | null>;

function metadataRouter(db: Db, apply: Change): Router {
  const router = Router();
  const route = (change: (req: Request) => MetadataChange) => handle(async (req, res) => {
    res.json({ metadata: serializeMetadata(await apply(db, organizationOf(req).id, String(req.params.id), change(req))) });
  });
  router.post('/:id/metadata', route((req) => ({ kind: 'replace', value: parseMetadataBody(req.body) })));
  router.patch('/:id/metadata', route((req) => ({ kind: 'merge', value: parseMetadataBody(req.body) })));
  router.delete('/:id/metadata', route(() => ({ kind: 'clear' })));
  router.delete('/:id/metadata/:key', route((req) => ({ kind: 'delete_key', key: String(req.params.key) })));
  return router;
}

export const walletMetadataRouter = ({ db }: AppContext): Router => metadataRouter(db, changeWalletMetadata);
export const creditNoteMetadataRouter = ({ db }: AppContext): Router => metadataRouter(db, changeCreditNoteMetadata);
