/**
 * The console's only way to the server: Billow's public API (`/api/v1`), authorized by the
 * HttpOnly session cookie the browser sends on its own (the key is never held by this page), and
 * the session routes (`/console/session`). Errors keep Lago's body, so forms can show each field's
 * codes beside it.
 */
export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { status?: number; error?: string; code?: string; error_details?: unknown },
  ) {
    super(describeError(status, body));
  }

  /** Lago's 422 `error_details`, flattened to `field.path → codes` (batch errors are nested by index). */
  get fieldErrors(): FieldErrors {
    return flattenDetails(this.body.error_details);
  }
}

function flattenDetails(details: unknown, prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  if (typeof details !== 'object' || details === null) return out;
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[path] = value.map(String);
    else Object.assign(out, flattenDetails(value, path));
  }
  return out;
}

function describeError(status: number, body: ApiError['body']): string {
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 404) return `Not found${body.code ? ` (${body.code.replace(/_/g, ' ')})` : ''}.`;
  if (status === 405) return `Not allowed now${body.code ? `: ${body.code.replace(/_/g, ' ')}` : ''}.`;
  if (status === 422) return 'Some fields need attention.';
  if (status === 403) return `Not available${body.code ? `: ${body.code.replace(/_/g, ' ')}` : ''}.`;
  if (status >= 500) return 'The server could not answer. Try again in a moment.';
  return body.error ?? `Request failed (${status}).`;
}

let onSessionLost: () => void = () => {};
/** What to do when any request answers 401 (the session expired or was ended elsewhere). */
export function whenSessionLost(callback: () => void): void {
  onSessionLost = callback;
}

/** `quiet`: a 401 is only this request's failure, not a lost session (a read asked before the session is known). */
export async function request<T>(method: string, url: string, body?: unknown, { quiet = false } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { error: 'The server cannot be reached.' });
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet && !url.startsWith('/console/session')) onSessionLost();
    throw new ApiError(response.status, (json as ApiError['body']) ?? {});
  }
  return json as T;
}

/** A path of the public API: `api('GET', '/plans')` is `GET /api/v1/plans`. */
export function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, `/api/v1${path}`, body);
}

/** Query string from defined values; arrays repeat as `key[]=…`, as Billow's lists read them. */
export function qs(params: Record<string, string | number | boolean | undefined | null | (string | number)[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value) search.append(`${key}[]`, String(item));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface Meta {
  current_page: number;
  next_page: number | null;
  prev_page: number | null;
  total_pages: number;
  total_count: number;
}

/** What each Lago error code means, for a person. */
const MESSAGES: Record<string, string> = {
  value_is_mandatory: 'This field is required.',
  value_is_invalid: 'This value is not valid.',
  value_already_exist: 'This value is already used.',
  value_is_out_of_range: 'This value is out of range.',
  invalid_date: 'This is not a valid date.',
  invalid_format: 'This format is not valid.',
  invalid_timezone: 'This is not a known timezone.',
  invalid_currency: 'This is not a known currency.',
  url_is_invalid: 'This is not a valid URL.',
  metric_not_found: 'No billable metric has this code.',
  subscription_not_found: 'No active subscription has this external id.',
  plan_not_found: 'No plan has this code.',
  tax_not_found: 'No tax has this code.',
  billable_metric_not_found: 'No billable metric has this id.',
  customer_not_found: 'No customer has this external id.',
  invalid_graduated_ranges: 'The tiers must start at 0 and follow each other without gaps.',
  invalid_volume_ranges: 'The tiers must start at 0 and follow each other without gaps.',
  invalid_amount: 'This amount is not valid.',
  invalid_rate: 'This rate is not valid.',
  invalid_package_size: 'The package size must be a whole number of at least 1.',
  currencies_does_not_match: 'The currency does not match the customer’s.',
};

export function humanCode(code: string): string {
  return MESSAGES[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) + '.';
}
