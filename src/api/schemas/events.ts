/**
 * The event body (`{"event": {...}}`, or one element of `{"events": [...]}`), read by hand rather
 * than with zod: it is the hottest path of the API (batches of 100 at tens of thousands of events a
 * second) and its errors are keyed by index in batches. Each event is read into ingestion's
 * `ReadEvent` (services/usage): the input, and the fields that could not be read, so that the
 * service reports them with every other problem of the batch.
 *
 * Fields (reference/lago-api.md §7, DESIGN.md §5):
 * - `transaction_id` (string, or a number taken as its decimal text), `code`,
 *   `external_subscription_id`: mandatory, non-empty, at most 500 characters;
 * - `timestamp`: Unix seconds (integer or decimal JSON number, or a numeric string; fractions
 *   allowed) or ISO-8601 (`2027-01-19`, `2027-01-19T10:00:00Z`, with an offset, or without one
 *   meaning UTC); kept to the millisecond (truncated); absent or null: none (ingestion then takes
 *   "now" from the injected clock); anything else → `invalid_format`; outside 1970…9999 →
 *   `value_is_out_of_range`;
 * - `properties`: an object (default `{}`); ingestion refuses what jsonb cannot store;
 * - `precise_total_amount_cents`: a decimal (number or string), at most 25 integer digits, kept
 *   to 15 decimals.
 * `external_customer_id` and unknown keys are ignored, as Lago does.
 */
import { daysInMonth } from '../../billing/calendar';
import { Dec, parseDecimal } from '../../billing/money';
import type { FieldErrors } from '../../runtime/errors';
import type { EventListFilter, ReadEvent } from '../../services/usage';
import { z } from 'zod';
import { badRequest, invalidField } from '../errors';
import { SHOWN, honour, refusedFields, shownAs, under, withContract, type RequestContract } from '../contract';

const MAX_ID_LENGTH = 500;
/** 9999-12-31T23:59:59.999Z */
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addError(errors: FieldErrors, field: string, code: string): void {
  (errors[field] ??= []).push(code);
}

function readId(raw: Record<string, unknown>, field: string, errors: FieldErrors): string {
  const value = raw[field];
  if (value === undefined || value === null || value === '') {
    addError(errors, field, 'value_is_mandatory');
    return '';
  }
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || text.length > MAX_ID_LENGTH || text.includes('\u0000')) {
    addError(errors, field, 'value_is_invalid');
    return '';
  }
  return text;
}

const SECONDS_PARTS = /^(\d+)(?:\.(\d+))?$/;
const SECONDS = /^\d+(?:\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function isoToMs(text: string): number | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => (part === undefined ? undefined : Number(part))) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!) || hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * Milliseconds of a plain decimal number of seconds, truncated to the millisecond (exactly as
 * decimal arithmetic would: digits are moved, never multiplied in binary floating point).
 */
function secondsTextToMs(text: string): number | null {
  const match = SECONDS_PARTS.exec(text);
  if (!match) return /^\d+(?:\.\d+)?e[+-]?\d+$/i.test(text) ? new Dec(text).times(1000).floor().toNumber() : null;
  const [, whole, fraction = ''] = match;
  if (whole!.length > 15) return Number.POSITIVE_INFINITY;
  return Number(whole) * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0'));
}

/** Epoch milliseconds of an event timestamp, or the Lago error code for it. */
export function parseEventTimestamp(value: unknown): { ms: number } | { error: string } {
  let ms: number | null = null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: 'invalid_format' };
    if (value < 0) return { error: 'value_is_out_of_range' };
    // Through the decimal text, so 1700000000.123 s is 1700000000123 ms, not ...122.
    ms = secondsTextToMs(String(value));
    if (ms === null) return { error: 'invalid_format' };
  } else if (typeof value === 'string') {
    if (SECONDS.test(value)) ms = secondsTextToMs(value);
    else ms = isoToMs(value);
    if (ms === null || Number.isNaN(ms)) return { error: 'invalid_format' };
  } else {
    return { error: 'invalid_format' };
  }
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP_MS) return { error: 'value_is_out_of_range' };
  return { ms };
}

function readPrecise(value: unknown, errors: FieldErrors): string | null {
  if (value === undefined || value === null) return null;
  try {
    const decimal = parseDecimal(value, { allowNegative: true }).toDecimalPlaces(15);
    if (decimal.abs().gte('1e25')) {
      addError(errors, 'precise_total_amount_cents', 'value_is_out_of_range');
      return null;
    }
    return decimal.toFixed();
  } catch {
    addError(errors, 'precise_total_amount_cents', 'value_is_invalid');
    return null;
  }
}

/** Reads one event of a request: what ingestion takes, with the fields that could not be read. */
export function readEvent(raw: unknown): ReadEvent {
  const errors: FieldErrors = {};
  const body = isRecord(raw) ? raw : {};
  if (!isRecord(raw)) addError(errors, 'base', 'value_is_invalid');
  const transactionId = readId(body, 'transaction_id', errors);
  const code = readId(body, 'code', errors);
  const externalSubscriptionId = readId(body, 'external_subscription_id', errors);

  let timestampMs: number | undefined;
  if (body.timestamp !== undefined && body.timestamp !== null) {
    const parsed = parseEventTimestamp(body.timestamp);
    if ('error' in parsed) addError(errors, 'timestamp', parsed.error);
    else timestampMs = parsed.ms;
  }

  let properties: Record<string, unknown> = {};
  if (body.properties !== undefined && body.properties !== null) {
    if (isRecord(body.properties)) properties = body.properties;
    else addError(errors, 'properties', 'value_is_invalid');
  }
  const preciseTotalAmountCents = readPrecise(body.precise_total_amount_cents, errors);
  // The request contract, applied here since events skip parseEnvelope (it refuses nothing today).
  for (const { path } of refusedFields(EVENT_CONTRACT, body)) addError(errors, path, 'feature_not_supported');
  return {
    input: { transactionId, code, externalSubscriptionId, timestampMs, properties, preciseTotalAmountCents },
    unreadable: errors,
  };
}

/** `{"event": {...}}`: a missing or empty root is a 400. */
export function readEventEnvelope(body: unknown): ReadEvent {
  const event = isRecord(body) ? body.event : undefined;
  if (!isRecord(event) || Object.keys(event).length === 0) throw badRequest('param is missing or the value is empty: event');
  return readEvent(event);
}

/** `{"events": [...]}`: a missing root or one that is not an array is a 400. */
export function readBatchEnvelope(body: unknown): ReadEvent[] {
  const events = isRecord(body) ? body.events : undefined;
  if (!Array.isArray(events)) throw badRequest('param is missing or the value is empty: events');
  return events.map(readEvent);
}

function queryText(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidField(name, 'value_is_invalid');
  return value;
}

function queryInstant(query: Record<string, unknown>, name: string): number | undefined {
  const value = queryText(query, name);
  if (value === undefined) return undefined;
  const parsed = parseEventTimestamp(value);
  if ('error' in parsed) throw invalidField(name, 'invalid_date');
  return parsed.ms;
}

/** The filters of `GET /events`: code, external subscription id and a time range (Unix seconds or ISO-8601). */
export function readEventListQuery(query: Record<string, unknown>): EventListFilter {
  return {
    code: queryText(query, 'code'),
    externalSubscriptionId: queryText(query, 'external_subscription_id'),
    fromMs: queryInstant(query, 'timestamp_from'),
    toMs: queryInstant(query, 'timestamp_to'),
  };
}

// The documented body (Billow's OpenAPI) and the request contract -----------------------------------

const EVENT_FIELDS = honour(SHOWN, 'transaction_id', 'external_subscription_id', 'code', 'timestamp', 'precise_total_amount_cents', 'properties');
/** One event's contract: the same for `{"event": {...}}` and each element of `{"events": [...]}` (readEvent applies it). */
const EVENT_CONTRACT: RequestContract = { honoured: EVENT_FIELDS, refused: {} };

/** Events are read by hand (above); this schema documents the same fields and carries the contract. */
export const eventDocSchema = withContract(z.object({
  transaction_id: z.union([z.string().min(1).max(500), z.number().int()]).describe('Idempotency key: a replay with the same content answers the stored event.'),
  code: z.string().min(1).max(500).describe("The billable metric's code."),
  external_subscription_id: z.string().min(1).max(500),
  timestamp: z.union([z.number(), z.string()]).nullish().describe('Unix seconds (fractions allowed) or ISO-8601; default now.'),
  properties: z.record(z.string(), z.unknown()).nullish(),
  precise_total_amount_cents: z.union([z.string(), z.number()]).nullish(),
}), EVENT_CONTRACT);

export const eventBatchDocSchema = withContract(
  z.object({ events: z.array(eventDocSchema).min(1).max(100) }),
  { honoured: under('events.*.', EVENT_CONTRACT.honoured), refused: under('events.*.', EVENT_CONTRACT.refused) },
);

/** `POST /events/estimate_fees`: the event priced, never stored (services/invoicing/fee-estimates.ts). */
export const estimateFeesSchema = withContract(z.object({
  code: z.string().trim().min(1).max(MAX_ID_LENGTH),
  external_subscription_id: z.string().trim().min(1).max(MAX_ID_LENGTH),
  properties: z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? undefined),
}), {
  honoured: {
    code: shownAs('item.code'),
    external_subscription_id: SHOWN,
    properties: 'Priced by the pay-in-advance charges as a stored event would be (the charge model reads the metric\'s field): services/invoicing/fee-estimates.ts.',
  },
  refused: {},
});
