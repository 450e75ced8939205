/**
 * `/api/v1/sandbox/clock`: read and advance the sandbox clock (only mounted with `--sandbox`).
 * An advance answers 200 once the clock is at its target and every period it crossed is billed;
 * if that takes longer than `wait_seconds` (default 55, at most 300), it answers 202 with where
 * the clock got (`complete: false`): the advance goes on, `GET /sandbox/clock` follows it, and a
 * next advance starts after it.
 */
import { Router } from 'express';
import { z } from 'zod';
import { handle } from '../handler';
import { invalidField } from '../errors';
import { parseInput } from '../validation';
import { addIsoDuration } from '../iso-duration';
import type { SandboxClock } from '../../runtime/clock';

const waitSeconds = z.number().int().min(1).max(300).optional();

export const advanceClockSchema = z.union([
  z.object({ to: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: 'invalid_date' }), wait_seconds: waitSeconds }),
  z.object({ duration: z.string().min(2), wait_seconds: waitSeconds }),
]);

const iso = (ms: number) => new Date(ms).toISOString();

export function sandboxRouter(clock: SandboxClock): Router {
  const router = Router();
  router.get('/clock', handle(async (_req, res) => {
    res.json({ clock: { now: iso(await clock.now()) } });
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
    const advance = await clock.advanceTo(target, input.wait_seconds === undefined ? {} : { waitMs: input.wait_seconds * 1000 });
    res.status(advance.complete ? 200 : 202).json({
      clock: { previous: iso(advance.previousMs), now: iso(advance.nowMs), target: iso(advance.targetMs), complete: advance.complete },
    });
  }));
  return router;
}
