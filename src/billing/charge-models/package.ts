/**
 * Package: a price per started package of `package_size` units, after `free_units`.
 * `{ amount: "100", package_size: 10, free_units: 0 }`: 121 units → 13 packages → 1300.
 */
import { Dec, toDecimalString as str } from '../money';
import { amountPerUnit, readAmount, readCount, ZERO } from './fields';
import type { ChargeModel, PackageProperties } from './types';

export const packageModel: ChargeModel<PackageProperties> = {
  payInAdvance: true,

  parse(raw, errors) {
    const amount = readAmount(raw, 'amount', 'invalid_amount', errors);
    const packageSize = readCount(raw.package_size, 1);
    const freeUnits = raw.free_units === undefined || raw.free_units === null ? ZERO : readCount(raw.free_units, 0);
    if (!packageSize) errors.add('package_size', 'invalid_package_size');
    if (!freeUnits) errors.add('free_units', 'invalid_free_units');
    return amount && packageSize && freeUnits && { amount, packageSize, freeUnits };
  },

  price({ amount: perPackage, packageSize, freeUnits }, { units }) {
    const paidUnits = Dec.max(units.minus(freeUnits), ZERO);
    const paidPackages = paidUnits.dividedBy(packageSize).ceil(); // a started package is a full one
    const amount = paidPackages.times(perPackage);
    return {
      amount,
      unitAmount: amountPerUnit(amount, units),
      details: {
        kind: 'package',
        units: str(units),
        free_units: str(Dec.min(units, freeUnits)),
        paid_units: str(paidUnits),
        paid_packages: str(paidPackages),
        per_package_size: str(packageSize),
        per_package_unit_amount: str(perPackage),
      },
    };
  },
};
