/** Customers: who is billed, with their taxes, and the coupons applied to them. Uses the catalog. */
export {
  adoptPlanCurrency,
  customerWebhookObject,
  deleteCustomer,
  getCustomer,
  getCustomerWithTaxes,
  listCustomers,
  saveCustomer,
  type CustomerFilters,
  type CustomerInput,
  type CustomersPage,
  type CustomerTaxes,
  type CustomerWithTaxes,
} from './customers';
export {
  applyCoupon,
  listAppliedCoupons,
  listCustomerAppliedCoupons,
  removeAppliedCoupon,
  type AppliedCouponFilters,
  type ApplyCouponInput,
} from './applied-coupons';
