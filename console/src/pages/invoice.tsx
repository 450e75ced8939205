/** An invoice: its fees (tiers, seat history), taxes and totals, the PDF, voiding, credit notes. */
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import { calendarDate, dateTime, money, unitPrice, units } from '../lib/format';
import { centsToInput, decimalToCents } from '../lib/amounts';
import type { CreditNote, Fee, Invoice, List } from '../lib/types';
import { PageHeader } from '../components/PageHeader';
import { ErrorState, Loading } from '../components/states';
import { ConfirmButton, FormAlert, FormErrors } from '../components/forms';
import { StatusBadge } from '../components/StatusBadge';

const REASONS = ['duplicated_charge', 'product_unsatisfactory', 'order_change', 'order_cancellation', 'fraudulent_charge', 'other'];

function FeeDetails({ fee, timeZone }: { fee: Fee; timeZone: string }) {
  const details = fee.amount_details;
  const tiers = details?.graduated_ranges?.filter((tier) => tier.units !== '0') ?? [];
  const seats = details?.seats ?? [];
  return (
    <>
      {tiers.length > 0 && (
        <Text size="xs" c="dimmed">
          {tiers.map((tier) => `${units(tier.from_value)}–${tier.to_value === null ? '∞' : units(tier.to_value)}: ${units(tier.units)} × ${unitPrice(tier.per_unit_amount, fee.amount_currency)}`).join(' · ')}
        </Text>
      )}
      {seats.length > 0 && (
        <Table fz="xs" mt={4} withTableBorder aria-label={`Seat history of ${fee.item.code}`} data-testid={`fee-seats-${fee.item.code}`}>
          <Table.Thead><Table.Tr><Table.Th>Seat</Table.Th><Table.Th>Added</Table.Th><Table.Th>Removed</Table.Th><Table.Th className="num">Days billed</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {seats.map((seat, index) => (
              <Table.Tr key={`${seat.value}-${index}`}>
                <Table.Td><code>{seat.value}</code></Table.Td>
                <Table.Td>{calendarDate(seat.added_on, timeZone)}</Table.Td>
                <Table.Td>{seat.removed_on ? calendarDate(seat.removed_on, timeZone) : '—'}</Table.Td>
                <Table.Td className="num">{seat.days_billed}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

function CreditNoteForm({ invoice, onDone }: { invoice: Invoice; onDone: () => void }) {
  const fees = (invoice.fees ?? []).filter((fee) => fee.amount_cents > 0);
  const [reason, setReason] = useState('other');
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const create = useApiMutation<{ credit_note: CreditNote }, void>('POST', '/credit_notes', () => ({
    // Without credit/refund amounts Billow credits the items' total with their taxes (computed server-side, in cents).
    credit_note: {
      invoice_id: invoice.lago_id,
      reason,
      items: fees
        .filter((fee) => (amounts[fee.lago_id] ?? '').trim() !== '')
        .map((fee) => ({ fee_id: fee.lago_id, amount_cents: decimalToCents(amounts[fee.lago_id]!, invoice.currency) })),
    },
  }));
  const errors = FormErrors.from(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: onDone });
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Create a credit note">
      <Stack>
        <NativeSelect label="Reason" name="reason" data={REASONS} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.field('reason')} />
        {fees.map((fee, index) => (
          <TextInput
            key={fee.lago_id}
            label={`${fee.item.invoice_display_name || fee.item.name}: amount to credit (at most ${centsToInput(fee.amount_cents, fee.amount_currency)} before tax)`}
            inputMode="decimal"
            value={amounts[fee.lago_id] ?? ''}
            onChange={(e) => { const value = e.currentTarget.value; setAmounts((current) => ({ ...current, [fee.lago_id]: value })); }}
            error={errors.field(`items.${index}.amount_cents`)}
          />
        ))}
        <Text size="sm" c="dimmed">The amounts, with their taxes, are credited to the customer’s next invoices.</Text>
        <FormAlert errors={errors} />
        <Group justify="flex-end"><Button type="submit" loading={create.isPending}>Create credit note</Button></Group>
      </Stack>
    </form>
  );
}

export function InvoicePage() {
  const { id = '' } = useParams();
  const [crediting, setCrediting] = useState(false);
  const query = useApi<{ invoice: Invoice }>(`/invoices/${encodeURIComponent(id)}`);
  const notes = useApi<List<'credit_notes', CreditNote>>(`/credit_notes${qs({ invoice_id: id })}`);
  const voiding = useApiMutation<{ invoice: Invoice }, void>('POST', `/invoices/${encodeURIComponent(id)}/void`, () => undefined);
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  const invoice = query.data.invoice;
  const tz = invoice.customer.applicable_timezone;
  const fees = invoice.fees ?? [];
  const voidErrors = FormErrors.from(voiding.error);
  return (
    <>
      <PageHeader
        title={<>Invoice {invoice.number} <StatusBadge status={invoice.status} /></>}
        trail={[['/invoices', 'Invoices'], [`/customers/${encodeURIComponent(invoice.customer.external_id)}`, invoice.customer.name || invoice.customer.external_id]]}
        actions={
          <>
            <Button component="a" href={`/api/v1/invoices/${invoice.lago_id}/pdf`} target="_blank" rel="noreferrer" variant="default" data-testid="invoice-pdf" disabled={invoice.status === 'draft'}>Open PDF</Button>
            {invoice.status === 'finalized' && <Button variant="light" onClick={() => setCrediting(true)}>Create credit note</Button>}
            {invoice.status === 'finalized' && (
              <ConfirmButton label="Void invoice" title={`Void invoice ${invoice.number}?`} loading={voiding.isPending} onConfirm={() => voiding.mutateAsync(undefined).catch(() => undefined)}>
                A voided invoice stays in the books with a zero balance due; it cannot be un-voided.
              </ConfirmButton>
            )}
          </>
        }
      />
      <Stack>
        <FormAlert errors={voidErrors} />
        <Paper withBorder p="md">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <div><Text size="xs" c="dimmed">Customer</Text><Anchor component={Link} to={`/customers/${encodeURIComponent(invoice.customer.external_id)}`}>{invoice.customer.name || invoice.customer.external_id}</Anchor></div>
            <div><Text size="xs" c="dimmed">Issued</Text><Text>{calendarDate(invoice.issuing_date, tz)}</Text></div>
            <div><Text size="xs" c="dimmed">Due</Text><Text>{calendarDate(invoice.payment_due_date, tz)}</Text></div>
            <div><Text size="xs" c="dimmed">Sequential id · type</Text><Text>{invoice.sequential_id ?? '—'} · {invoice.invoice_type}</Text></div>
          </SimpleGrid>
        </Paper>
        <Paper withBorder p="md" component="section" aria-labelledby="invoice-fees">
          <Title order={2} size="h4" id="invoice-fees" mb="xs">Fees</Title>
          <Table data-testid="invoice-fees">
            <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th>Period</Table.Th><Table.Th className="num">Units</Table.Th><Table.Th className="num">Unit price</Table.Th><Table.Th className="num">Amount</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {fees.length === 0 && <Table.Tr><Table.Td colSpan={5}><Text size="sm" c="dimmed">No fee.</Text></Table.Td></Table.Tr>}
              {fees.map((fee) => (
                <Table.Tr key={fee.lago_id} data-testid={`fee-${fee.item.type}-${fee.item.code}`}>
                  <Table.Td>
                    {fee.item.invoice_display_name || fee.item.name} <Text span size="xs" c="dimmed">({fee.item.type})</Text>
                    {fee.external_subscription_id && <Text size="xs">Subscription <Anchor component={Link} to={`/subscriptions/${encodeURIComponent(fee.external_subscription_id)}`}>{fee.external_subscription_id}</Anchor></Text>}
                    <FeeDetails fee={fee} timeZone={tz} />
                  </Table.Td>
                  <Table.Td>{fee.from_date ? `${dateTime(fee.from_date, tz)} → ${dateTime(fee.to_date, tz)}` : '—'}</Table.Td>
                  <Table.Td className="num" data-testid="fee-units">{units(fee.units)}</Table.Td>
                  <Table.Td className="num">{unitPrice(fee.precise_unit_amount, fee.amount_currency)}</Table.Td>
                  <Table.Td className="num" data-testid="fee-amount">{money(fee.amount_cents, fee.amount_currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Stack gap={2} mt="md" align="flex-end" data-testid="invoice-totals">
            <Text size="sm">Fees {money(invoice.fees_amount_cents, invoice.currency)}</Text>
            {invoice.coupons_amount_cents > 0 && <Text size="sm">Coupons −{money(invoice.coupons_amount_cents, invoice.currency)}</Text>}
            {(invoice.applied_taxes ?? []).map((tax) => <Text size="sm" key={tax.tax_code}>{tax.tax_name} ({tax.tax_rate}%) {money(tax.amount_cents, invoice.currency)}</Text>)}
            {(invoice.applied_taxes ?? []).length === 0 && <Text size="sm">Taxes {money(invoice.taxes_amount_cents, invoice.currency)}</Text>}
            {invoice.credit_notes_amount_cents > 0 && <Text size="sm">Credit notes −{money(invoice.credit_notes_amount_cents, invoice.currency)}</Text>}
            {invoice.prepaid_credit_amount_cents > 0 && <Text size="sm">Prepaid credits −{money(invoice.prepaid_credit_amount_cents, invoice.currency)}</Text>}
            <Text fw={700} data-testid="invoice-total">Total {money(invoice.total_amount_cents, invoice.currency)}</Text>
          </Stack>
        </Paper>
        <Paper withBorder p="md" component="section" aria-label="Credit notes of this invoice">
          <Title order={2} size="h4" mb="xs">Credit notes</Title>
          {notes.data && notes.data.credit_notes.length === 0 && <Text size="sm" c="dimmed">None.</Text>}
          {notes.data && notes.data.credit_notes.length > 0 && (
            <Table>
              <Table.Thead><Table.Tr><Table.Th>Number</Table.Th><Table.Th>Reason</Table.Th><Table.Th className="num">Credit</Table.Th><Table.Th className="num">Refund</Table.Th><Table.Th className="num">Total</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {notes.data.credit_notes.map((note) => (
                  <Table.Tr key={note.lago_id}>
                    <Table.Td><Anchor href={`/api/v1/credit_notes/${note.lago_id}/pdf`} target="_blank" rel="noreferrer">{note.number}</Anchor></Table.Td>
                    <Table.Td>{note.reason}</Table.Td>
                    <Table.Td className="num">{money(note.credit_amount_cents, note.currency)}</Table.Td>
                    <Table.Td className="num">{money(note.refund_amount_cents, note.currency)}</Table.Td>
                    <Table.Td className="num">{money(note.total_amount_cents, note.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      </Stack>
      <Modal opened={crediting} onClose={() => setCrediting(false)} title={`Credit note on ${invoice.number}`} size="lg">
        <CreditNoteForm invoice={invoice} onDone={() => setCrediting(false)} />
      </Modal>
    </>
  );
}
