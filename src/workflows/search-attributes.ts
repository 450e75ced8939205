/** Custom search attributes that make subscriptions findable in the Temporal UI. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CUSTOMER_ID = defineSearchAttributeKey('BillowCustomerId', SearchAttributeType.KEYWORD);
export const PLAN_CODE = defineSearchAttributeKey('BillowPlanCode', SearchAttributeType.KEYWORD);
export const SUBSCRIPTION_STATUS = defineSearchAttributeKey('BillowSubscriptionStatus', SearchAttributeType.KEYWORD);

/** `--search-attribute` values for a dev server that must know them before workflows use them. */
export const SEARCH_ATTRIBUTE_FLAGS = [CUSTOMER_ID, PLAN_CODE, SUBSCRIPTION_STATUS].map((key) => `${key.name}=Keyword`);
