/** `GET /organizations` and `PUT /organizations`: the settings of the organization of the API key. */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { updateOrganizationSchema } from '../schemas/organizations';
import { serializeOrganization } from '../../serializers/organization';
import { getOrganizationView, ORGANIZATION_FIXED_SETTINGS, updateOrganization, type OrganizationView } from '../../services/organizations';

const present = ({ organization, webhookUrls, taxes }: OrganizationView) =>
  serializeOrganization(organization, { webhookUrls, taxes, fixed: ORGANIZATION_FIXED_SETTINGS });

export function organizationsRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/', handle(async (req, res) => {
    res.json({ organization: present(await getOrganizationView(db, organizationOf(req).id)) });
  }));
  router.put('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'organization', updateOrganizationSchema);
    const updated = await updateOrganization(db, organizationOf(req).id, input);
    // The next request of this process reads the new settings (others within the cache's seconds).
    res.json({ organization: present(updated) });
  }));
  return router;
}
