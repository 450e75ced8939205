/**
 * Reading what a workflow history records of its activities. Since issue 12 a subscription closes
 * its periods with a local activity, recorded as one `core_local_activity` marker (its type and
 * attempt in the marker's `data`, its answer in `result`); histories from before, and the other
 * activities, record activity task events. Tests read both the same way.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run's history of a workflow id, oldest run first (a run continues as new when its history is full). */
export async function historiesOfEveryRun(client: Client, workflowId: string): Promise<temporal.api.history.v1.IHistory[]> {
  const runs: temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  return runs;
}

/** The events of every run of a workflow id, oldest run first. */
export async function eventsOfEveryRun(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await historiesOfEveryRun(client, workflowId)).flatMap((history) => history.events ?? []);
}

/** Whether a workflow task timed out before the event `eventId` (a worker that held it died, or let it wait). */
export const workflowTaskTimedOutBefore = (events: HistoryEvent[], eventId: number): boolean =>
  events.some((event) => event.workflowTaskTimedOutEventAttributes && Number(event.eventId) < eventId);

export interface ActivityRun {
  type: string;
  /** The event that scheduled it (an activity) or recorded it (a local activity). */
  eventId: number;
  local: boolean;
  /** The attempt that completed it (or the last one started). */
  attempt: number | null;
  result: unknown;
}

/** A JSON payload's value; undefined for none or an empty one (an activity that returns nothing: `binary/null`). */
const json = (payload: { data?: Uint8Array | null } | null | undefined): unknown =>
  payload?.data?.length ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;

/** Every activity and local activity the events record, in history order. */
export function activityRuns(events: HistoryEvent[]): ActivityRun[] {
  const runs: ActivityRun[] = [];
  const scheduled = new Map<string, ActivityRun>();
  for (const event of events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = json(marker.details?.data?.payloads?.[0]) as { activity_type: string; attempt: number };
      runs.push({ type: data.activity_type, eventId: Number(event.eventId), local: true, attempt: data.attempt, result: json(marker.details?.result?.payloads?.[0]) });
    }
    const schedule = event.activityTaskScheduledEventAttributes;
    if (schedule) {
      const run: ActivityRun = { type: schedule.activityType?.name ?? '', eventId: Number(event.eventId), local: false, attempt: null, result: undefined };
      scheduled.set(String(event.eventId), run);
      runs.push(run);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) scheduled.get(String(started.scheduledEventId))!.attempt = started.attempt ?? null;
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) scheduled.get(String(completed.scheduledEventId))!.result = json(completed.result?.payloads?.[0]);
  }
  return runs;
}

/** The period closes the events record, as activities or local activities. */
export const periodCloses = (events: HistoryEvent[]): ActivityRun[] => activityRuns(events).filter((run) => run.type === 'closePeriod');
