/**
 * Domain errors. Services throw these, each carrying the Lago error code a client sees; only
 * `src/api` turns them into HTTP answers (api/errors.ts). A service never knows its caller is HTTP.
 */
export type FieldErrors = Record<string, string[]>;
/** Field errors, or field errors by item index (a batch). */
export type ErrorDetails = Record<string, string[] | FieldErrors>;

export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'invalid' | 'not_allowed' | 'forbidden' | 'unavailable';
}

/** The object does not exist (or belongs to another organization): Lago's `<resource>_not_found`. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(readonly resource: string) {
    super(`${resource} not found`);
    this.name = 'NotFoundError';
  }
  get code(): string {
    return `${this.resource}_not_found`;
  }
}

/** The input breaks a rule: Lago's `validation_errors`, every problem by field. */
export class ValidationError extends DomainError {
  readonly kind = 'invalid';
  constructor(readonly details: ErrorDetails) {
    super(`invalid input: ${JSON.stringify(details)}`);
    this.name = 'ValidationError';
  }
}

/** The object's state forbids the action (Lago answers 405 with a code, e.g. `not_voidable`). */
export class NotAllowedError extends DomainError {
  readonly kind = 'not_allowed';
  constructor(readonly code: string) {
    super(code);
    this.name = 'NotAllowedError';
  }
}

/** A feature Billow does not offer where Lago also refuses it (Lago's 403 `feature_unavailable`). */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  constructor(readonly code: string) {
    super(code);
    this.name = 'ForbiddenError';
  }
}

/** A dependency (Temporal, the database) cannot be reached now; the caller may retry. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

export const notFound = (resource: string) => new NotFoundError(resource);
export const validationErrors = (details: ErrorDetails) => new ValidationError(details);
/** A single-field rejection, the most common one. */
export const invalidField = (field: string, code: string) => new ValidationError({ [field]: [code] });
export const methodNotAllowed = (code: string) => new NotAllowedError(code);
export const forbidden = (code: string) => new ForbiddenError(code);

/** Collects field errors across a whole input, so one answer lists every problem at once. */
export class Problems {
  readonly details: FieldErrors = {};

  add(field: string, code: string): void {
    const codes = (this.details[field] ??= []);
    if (!codes.includes(code)) codes.push(code);
  }

  get isEmpty(): boolean {
    return Object.keys(this.details).length === 0;
  }

  /** Throws the `ValidationError` when anything was recorded. */
  throwIfAny(): void {
    if (!this.isEmpty) throw validationErrors(this.details);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in URLs and bodies are checked before they reach a uuid column (a bad one is a client mistake). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
