/** Collects Lago field errors across a whole input, so one 422 lists every problem at once. */
import { validationErrors } from '../api/errors';

export class Problems {
  readonly details: Record<string, string[]> = {};

  add(field: string, code: string): void {
    const codes = (this.details[field] ??= []);
    if (!codes.includes(code)) codes.push(code);
  }

  get isEmpty(): boolean {
    return Object.keys(this.details).length === 0;
  }

  /** Throws the 422 `validation_errors` when anything was recorded. */
  throwIfAny(): void {
    if (!this.isEmpty) throw validationErrors(this.details);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in URLs and bodies are checked before they reach a uuid column (a bad one is a client mistake). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
