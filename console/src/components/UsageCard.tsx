/**
 * A subscription's live current usage (`GET /customers/:id/current_usage`, polled): each charge's
 * units and amount, with the tier breakdown of graduated and volume charges worked out from the
 * plan's tiers by the billing core (the API gives the units and the amount, not the tiers).
 */
import { Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { qs } from '../lib/api';
import { useApi } from '../lib/query';
import { dateTime, money, unitPrice, units } from '../lib/format';
import { previewCharge } from '../lib/pricing';
import type { CustomerUsage, Plan, Subscription } from '../lib/types';
import { ErrorState, Loading } from './states';

function TierBreakdown({ plan, chargeId, unitsText, currency }: { plan: Plan | undefined; chargeId: string; unitsText: string; currency: string }) {
  const charge = plan?.charges.find((c) => c.lago_id === chargeId);
  if (!charge || !['graduated', 'volume'].includes(charge.charge_model)) return null;
  const preview = previewCharge(charge.charge_model, charge.properties, currency, unitsText, 1);
  if (!preview.ok) return null;
  const details = preview.details;
  const rows = details.kind === 'graduated'
    ? details.graduated_ranges.map((tier) => ({ from: tier.from_value, to: tier.to_value, units: tier.units, price: tier.per_unit_amount, flat: tier.flat_amount, total: tier.total }))
    : details.kind === 'volume'
    ? [{ from: details.from_value, to: details.to_value, units: details.units, price: details.per_unit_amount, flat: details.flat_unit_amount, total: undefined }]
    : [];
  return (
    <Table withTableBorder fz="xs" mt={4} aria-label={`Tiers of ${charge.billable_metric_code}`}>
      <Table.Thead><Table.Tr><Table.Th>Tier</Table.Th><Table.Th className="num">Units</Table.Th><Table.Th className="num">Per unit</Table.Th><Table.Th className="num">Flat</Table.Th><Table.Th className="num">Tier total</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.from}>
            <Table.Td>{units(row.from)} – {row.to === null ? '∞' : units(row.to)}</Table.Td>
            <Table.Td className="num">{units(row.units)}</Table.Td>
            <Table.Td className="num">{unitPrice(row.price, currency)}</Table.Td>
            <Table.Td className="num">{unitPrice(row.flat, currency)}</Table.Td>
            <Table.Td className="num">{row.total === undefined ? '—' : unitPrice(row.total, currency)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function UsageCard({ customerId, subscription, timeZone }: { customerId: string; subscription: Subscription; timeZone: string }) {
  const usage = useApi<{ customer_usage: CustomerUsage }>(
    `/customers/${encodeURIComponent(customerId)}/current_usage${qs({ external_subscription_id: subscription.external_id })}`,
    { refetchInterval: 4000 },
  );
  const plan = useApi<{ plan: Plan }>(`/plans/${encodeURIComponent(subscription.plan_code)}`);
  return (
    <Paper withBorder p="md" component="section" aria-label={`Current usage of ${subscription.external_id}`} data-testid={`usage-${subscription.external_id}`}>
      <Stack gap="xs">
        <Title order={3} size="h5">Current usage · {subscription.name || subscription.external_id}</Title>
        {usage.isPending && <Loading label="Computing current usage…" />}
        {usage.isError && <ErrorState error={usage.error} retry={() => void usage.refetch()} />}
        {usage.data && (() => {
          const current = usage.data.customer_usage;
          return (
            <>
              <Group gap="lg">
                <Text size="sm">Period {dateTime(current.from_datetime, timeZone)} → {dateTime(current.to_datetime, timeZone)}</Text>
                <Text size="sm" fw={600} data-testid="usage-total">Total so far {money(current.total_amount_cents, current.currency)}</Text>
              </Group>
              {current.charges_usage.length === 0 ? <Text size="sm" c="dimmed">This plan has no usage charge.</Text> : (
                <Table>
                  <Table.Thead><Table.Tr><Table.Th>Charge</Table.Th><Table.Th>Model</Table.Th><Table.Th className="num">Units</Table.Th><Table.Th className="num">Events</Table.Th><Table.Th className="num">Amount</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {current.charges_usage.map((line) => (
                      <Table.Tr key={line.charge.lago_id} data-testid={`usage-line-${line.billable_metric.code}`}>
                        <Table.Td>
                          {line.charge.invoice_display_name || line.billable_metric.name} <code>{line.billable_metric.code}</code>
                          <TierBreakdown plan={plan.data?.plan} chargeId={line.charge.lago_id} unitsText={line.units} currency={current.currency} />
                          {line.filters.length > 0 && (
                            <Text size="xs" c="dimmed">{line.filters.map((f) => `${f.invoice_display_name ?? JSON.stringify(f.values ?? 'other')}: ${units(f.units)} units, ${money(f.amount_cents, current.currency)}`).join(' · ')}</Text>
                          )}
                        </Table.Td>
                        <Table.Td>{line.charge.charge_model}</Table.Td>
                        <Table.Td className="num" data-testid="usage-units">{units(line.units)}</Table.Td>
                        <Table.Td className="num">{line.events_count}</Table.Td>
                        <Table.Td className="num" data-testid="usage-amount">{money(line.amount_cents, line.amount_currency)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </>
          );
        })()}
      </Stack>
    </Paper>
  );
}
