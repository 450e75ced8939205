#!/bin/sh
# The namespace Billow runs in and the search attributes the Temporal UI filters subscriptions by
# (BillowCustomerId, BillowPlanCode, BillowSubscriptionStatus). Safe to run on every start.
set -eu
address="$TEMPORAL_ADDRESS"
namespace="$TEMPORAL_NAMESPACE"

until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  echo "waiting for Temporal at $address"; sleep 2
done
temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention 30d

for attribute in BillowCustomerId BillowPlanCode BillowSubscriptionStatus; do
  temporal operator search-attribute list --address "$address" --namespace "$namespace" | grep -q "$attribute" ||
    temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$attribute" --type Keyword
done
echo "namespace $namespace ready"
