/** bench:close's baseline: the least a close can cost Temporal — sleep to an instant, run one activity. */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { insertMark } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function sleepThenInsert(atMs: number, id: string): Promise<void> {
  await sleep(Math.max(1, atMs - Date.now()));
  await insertMark(id);
}
