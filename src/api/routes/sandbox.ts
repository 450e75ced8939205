/** `/api/v1/sandbox/clock`: read and advance the sandbox clock (only mounted with `--sandbox`). */
import { Router } from 'express';
import { z } from 'zod';
import { handle } from '../handler';
import { invalidField } from '../errors';
import { parseInput } from '../validation';
import { addIsoDuration } from '../iso-duration';
import type { SandboxClock } from '../../runtime/clock';

export const advanceClockSchema = z.union([
  z.object({ to: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: 'invalid_date' }) }),
  z.object({ duration: z.string().min(2) }),
]);

export function sandboxRouter(clock: SandboxClock): Router {
  const router = Router();
  router.get('/clock', handle(async (_req, res) => {
    res.json({ clock: { now: new Date(await clock.now()).toISOString() } });
  }));
  router.post('/clock/advance', handle(async (req, res) => {
    const input = parseInput(req.body ?? {}, advanceClockSchema);
    const from = await clock.now();
    let target: number;
    if ('to' in input) target = Date.parse(input.to);
    else {
      try {
        target = addIsoDuration(from, input.duration);
      } catch {
        throw invalidField('duration', 'invalid_format');
      }
    }
    const now = await clock.advanceTo(target);
    res.json({ clock: { previous: new Date(from).toISOString(), now: new Date(now).toISOString() } });
  }));
  return router;
}
