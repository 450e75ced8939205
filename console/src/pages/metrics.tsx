/** Billable metrics: list, create and edit (every aggregation, recurring, rounding, filters). */
import { useEffect, useState, type FormEvent } from 'react';
import { ActionIcon, Anchor, Badge, Button, Checkbox, Fieldset, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { qs } from '../lib/api';
import { useApi, useApiMutation } from '../lib/query';
import type { List, Metric } from '../lib/types';
import { PageHeader } from '../components/PageHeader';
import { Empty, QueryView } from '../components/states';
import { FormAlert, FormErrors, splitList } from '../components/forms';
import { Paged } from '../components/Paged';

export const AGGREGATIONS: [string, string][] = [
  ['count_agg', 'Count events'],
  ['sum_agg', 'Sum a property'],
  ['max_agg', 'Maximum of a property'],
  ['unique_count_agg', 'Count unique values of a property'],
  ['latest_agg', 'Latest value of a property'],
  ['weighted_sum_agg', 'Time-weighted sum of a property'],
];
const aggregationLabel = (type: string) => AGGREGATIONS.find(([value]) => value === type)?.[1] ?? type;

export function MetricsPage() {
  const [page, setPage] = useState(1);
  const query = useApi<List<'billable_metrics', Metric>>(`/billable_metrics${qs({ page, per_page: 50 })}`);
  return (
    <>
      <PageHeader title="Billable metrics" actions={<Button component={Link} to="/metrics/new">New metric</Button>} />
      <QueryView
        query={query}
        empty={(data) => data.billable_metrics.length === 0 && (
          <Empty title="No billable metric yet">A metric says what to count in the events your product sends. <Anchor component={Link} to="/metrics/new">Create one</Anchor>.</Empty>
        )}
      >
        {(data) => (
          <Paper withBorder>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Code</Table.Th><Table.Th>Aggregation</Table.Th><Table.Th>Field</Table.Th><Table.Th>Recurring</Table.Th><Table.Th>Filters</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.billable_metrics.map((metric) => (
                  <Table.Tr key={metric.lago_id}>
                    <Table.Td><Anchor component={Link} to={`/metrics/${encodeURIComponent(metric.code)}`}>{metric.name}</Anchor></Table.Td>
                    <Table.Td><code>{metric.code}</code></Table.Td>
                    <Table.Td>{aggregationLabel(metric.aggregation_type)}</Table.Td>
                    <Table.Td>{metric.field_name ?? '—'}</Table.Td>
                    <Table.Td>{metric.recurring ? <Badge variant="light">recurring</Badge> : 'no'}</Table.Td>
                    <Table.Td>{metric.filters.map((filter) => `${filter.key}: ${filter.values.join(', ')}`).join('; ') || '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Paged meta={data.meta} page={page} onPage={setPage} noun="metric" />
          </Paper>
        )}
      </QueryView>
    </>
  );
}

interface MetricDraft {
  name: string; code: string; description: string; aggregation_type: string; field_name: string; recurring: boolean;
  weighted_interval: string; rounding_function: string; rounding_precision: string; filters: { key: string; values: string }[];
}

const EMPTY: MetricDraft = {
  name: '', code: '', description: '', aggregation_type: 'count_agg', field_name: '', recurring: false,
  weighted_interval: 'seconds', rounding_function: '', rounding_precision: '', filters: [],
};

function draftOf(metric: Metric): MetricDraft {
  return {
    name: metric.name, code: metric.code, description: metric.description ?? '', aggregation_type: metric.aggregation_type,
    field_name: metric.field_name ?? '', recurring: metric.recurring, weighted_interval: metric.weighted_interval ?? 'seconds',
    rounding_function: metric.rounding_function ?? '', rounding_precision: metric.rounding_precision === null ? '' : String(metric.rounding_precision),
    filters: metric.filters.map((filter) => ({ key: filter.key, values: filter.values.join(', ') })),
  };
}

function bodyOf(draft: MetricDraft) {
  const precision = draft.rounding_precision.trim();
  return {
    billable_metric: {
      name: draft.name,
      code: draft.code,
      description: draft.description || null,
      aggregation_type: draft.aggregation_type,
      field_name: draft.aggregation_type === 'count_agg' ? null : draft.field_name || null,
      recurring: draft.recurring,
      weighted_interval: draft.aggregation_type === 'weighted_sum_agg' ? draft.weighted_interval : null,
      rounding_function: draft.rounding_function || null,
      rounding_precision: draft.rounding_function && precision !== '' ? (Number.isInteger(Number(precision)) ? Number(precision) : precision) : null,
      filters: draft.filters.map((filter) => ({ key: filter.key, values: splitList(filter.values) })),
    },
  };
}

export function MetricFormPage() {
  const { code } = useParams();
  const navigate = useNavigate();
  const existing = useApi<{ billable_metric: Metric }>(code ? `/billable_metrics/${encodeURIComponent(code)}` : null);
  const [draft, setDraft] = useState<MetricDraft>(EMPTY);
  useEffect(() => {
    if (existing.data) setDraft(draftOf(existing.data.billable_metric));
  }, [existing.data]);
  const save = useApiMutation<{ billable_metric: Metric }, MetricDraft>(code ? 'PUT' : 'POST', code ? `/billable_metrics/${encodeURIComponent(code)}` : '/billable_metrics', bodyOf);
  const errors = FormErrors.from(save.error);
  const set = <K extends keyof MetricDraft>(key: K, value: MetricDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(draft, { onSuccess: () => navigate('/metrics') });
  };
  if (code && existing.isPending) return <QueryView query={existing}>{() => null}</QueryView>;
  if (code && existing.isError) return <QueryView query={existing}>{() => null}</QueryView>;
  const needsField = draft.aggregation_type !== 'count_agg';
  return (
    <>
      <PageHeader title={code ? `Edit metric ${code}` : 'New billable metric'} trail={[['/metrics', 'Billable metrics']]} />
      <Paper withBorder p="md" maw={760}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Group grow align="flex-start">
              <TextInput label="Name" name="name" required value={draft.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.field('name')} />
              <TextInput label="Code" name="code" required description="Events name this metric by its code." value={draft.code} onChange={(e) => set('code', e.currentTarget.value)} error={errors.field('code')} />
            </Group>
            <Textarea label="Description" name="description" value={draft.description} onChange={(e) => set('description', e.currentTarget.value)} error={errors.field('description')} autosize minRows={1} />
            <Group grow align="flex-start">
              <NativeSelect label="Aggregation" name="aggregation_type" data={AGGREGATIONS.map(([value, label]) => ({ value, label }))} value={draft.aggregation_type} onChange={(e) => set('aggregation_type', e.currentTarget.value)} error={errors.field('aggregation_type')} />
              <TextInput label="Property (field name)" name="field_name" disabled={!needsField} description={needsField ? 'The event property this aggregation reads.' : 'Counting events reads no property.'} value={needsField ? draft.field_name : ''} onChange={(e) => set('field_name', e.currentTarget.value)} error={errors.field('field_name')} />
            </Group>
            {draft.aggregation_type === 'weighted_sum_agg' && (
              <NativeSelect label="Weighted interval" name="weighted_interval" data={[{ value: 'seconds', label: 'seconds' }]} value={draft.weighted_interval} onChange={(e) => set('weighted_interval', e.currentTarget.value)} error={errors.field('weighted_interval')} />
            )}
            <Checkbox label="Recurring: units carry over from one period to the next (seats, storage)" name="recurring" checked={draft.recurring} onChange={(e) => set('recurring', e.currentTarget.checked)} error={errors.field('recurring')} />
            <Group grow align="flex-start">
              <NativeSelect
                label="Rounding"
                name="rounding_function"
                data={[{ value: '', label: 'No rounding' }, { value: 'round', label: 'Round' }, { value: 'ceil', label: 'Round up (ceil)' }, { value: 'floor', label: 'Round down (floor)' }]}
                value={draft.rounding_function}
                onChange={(e) => set('rounding_function', e.currentTarget.value)}
                error={errors.field('rounding_function')}
              />
              <TextInput label="Rounding precision (decimal places)" name="rounding_precision" disabled={!draft.rounding_function} inputMode="numeric" value={draft.rounding_precision} onChange={(e) => set('rounding_precision', e.currentTarget.value)} error={errors.field('rounding_precision')} />
            </Group>
            <Fieldset legend="Filters">
              <Stack gap="xs">
                {draft.filters.length === 0 && <Text size="sm" c="dimmed">No filter: charges see every event of this metric.</Text>}
                {draft.filters.map((filter, index) => (
                  <Group key={index} align="flex-end" wrap="nowrap">
                    <TextInput label={`Filter ${index + 1} key`} value={filter.key} onChange={(e) => { const key = e.currentTarget.value; set('filters', draft.filters.map((f, i) => (i === index ? { ...f, key } : f))); }} error={errors.field(`filters.${index}.key`)} />
                    <TextInput style={{ flex: 1 }} label={`Filter ${index + 1} values (comma-separated)`} value={filter.values} onChange={(e) => { const values = e.currentTarget.value; set('filters', draft.filters.map((f, i) => (i === index ? { ...f, values } : f))); }} error={errors.field(`filters.${index}.values`)} />
                    <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove filter ${index + 1}`} onClick={() => set('filters', draft.filters.filter((_, i) => i !== index))}>×</ActionIcon>
                  </Group>
                ))}
                <Group><Button variant="light" size="xs" onClick={() => set('filters', [...draft.filters, { key: '', values: '' }])}>Add a filter</Button></Group>
              </Stack>
            </Fieldset>
            <FormAlert errors={errors} />
            <Group justify="flex-end">
              <Button variant="default" component={Link} to="/metrics">Cancel</Button>
              <Button type="submit" loading={save.isPending}>{code ? 'Save metric' : 'Create metric'}</Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
