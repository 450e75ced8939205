/**
 * A unique violation while writing a tax, metric, add-on or coupon is a code already taken (the
 * only unique index they have): Lago's 422 `code: value_already_exist`.
 */
import { isUniqueViolation } from '../../db/errors';
import { invalidField } from '../../runtime/errors';

export async function uniqueCode<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}
