/** Invoices across customers, filtered by status and issuing date. */
import { useState } from 'react';
import { Anchor, Group, NativeSelect, Paper, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link } from 'react-router';
import { qs } from '../lib/api';
import { useApi } from '../lib/query';
import { calendarDate, money } from '../lib/format';
import type { Invoice, List } from '../lib/types';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { Paged } from '../components/Paged';
import { StatusBadge } from '../components/StatusBadge';

export function InvoicesPage() {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [customerText, setCustomer] = useState('');
  const [customer] = useDebouncedValue(customerText.trim(), 300);
  const query = useApi<List<'invoices', Invoice>>(`/invoices${qs({
    page, per_page: 50, status: status ? [status] : undefined, issuing_date_from: from || undefined, issuing_date_to: to || undefined, external_customer_id: customer || undefined,
  })}`, { refetchInterval: 10_000 });
  const reset = <T,>(setter: (value: T) => void) => (value: T) => { setter(value); setPage(1); };
  const filtered = Boolean(status || from || to || customer);
  return (
    <>
      <PageHeader title="Invoices" />
      <Group mb="sm" align="flex-end" role="search" aria-label="Filter invoices">
        <NativeSelect label="Status" name="status" data={[{ value: '', label: 'Any status' }, 'draft', 'finalized', 'voided', 'failed']} value={status} onChange={(e) => reset(setStatus)(e.currentTarget.value)} />
        <TextInput type="date" label="Issued from" name="issuing_date_from" value={from} onChange={(e) => reset(setFrom)(e.currentTarget.value)} />
        <TextInput type="date" label="Issued until" name="issuing_date_to" value={to} onChange={(e) => reset(setTo)(e.currentTarget.value)} />
        <TextInput label="Customer external id" name="external_customer_id" value={customerText} onChange={(e) => reset(setCustomer)(e.currentTarget.value)} />
      </Group>
      <QueryView query={query} empty={(data) => data.invoices.length === 0 && <Empty title={filtered ? 'No invoice matches these filters' : 'No invoice yet'}>{filtered ? 'Widen the dates or clear a filter.' : 'Invoices appear as subscriptions’ periods close.'}</Empty>}>
        {(data) => (
          <Paper withBorder>
            <Table striped highlightOnHover>
              <Table.Thead><Table.Tr><Table.Th>Number</Table.Th><Table.Th>Customer</Table.Th><Table.Th>Issued</Table.Th><Table.Th>Type</Table.Th><Table.Th>Status</Table.Th><Table.Th>Payment</Table.Th><Table.Th className="num">Total</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.invoices.map((invoice) => (
                  <Table.Tr key={invoice.lago_id}>
                    <Table.Td><Anchor component={Link} to={`/invoices/${invoice.lago_id}`}>{invoice.number}</Anchor></Table.Td>
                    <Table.Td><Anchor component={Link} to={`/customers/${encodeURIComponent(invoice.customer.external_id)}`}>{invoice.customer.name || invoice.customer.external_id}</Anchor></Table.Td>
                    <Table.Td>{calendarDate(invoice.issuing_date)}</Table.Td>
                    <Table.Td>{invoice.invoice_type}</Table.Td>
                    <Table.Td><StatusBadge status={invoice.status} /></Table.Td>
                    <Table.Td>{invoice.payment_status}</Table.Td>
                    <Table.Td className="num">{money(invoice.total_amount_cents, invoice.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="invoice" />
          </Paper>
        )}
      </QueryView>
    </>
  );
}
