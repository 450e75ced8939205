/**
 * Replays the workflow histories recorded by the test suite (test/workflows/histories, written by
 * durability.test.ts with BILLOW_RECORD_HISTORIES=1) against the current workflow code. A change
 * that would break running subscriptions (non-determinism) fails here; guard such changes with
 * `patched()` (DESIGN.md §4) and record new histories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';

const HISTORIES = path.join(__dirname, 'histories');
const files = fs.readdirSync(HISTORIES).filter((file) => file.endsWith('.json')).sort();

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

it.each(files)('replays %s', async (file) => {
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! } }, history, file.replace(/\.json$/, ''));
});
