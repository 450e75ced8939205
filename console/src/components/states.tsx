/** Loading, empty and error states: every page shows one of them until it has data to show. */
import type { ReactNode } from 'react';
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text } from '@mantine/core';
import { ApiError, humanCode } from '../lib/api';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text c="dimmed">{label}</Text>
      </Group>
    </Center>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Paper withBorder p="lg" radius="md" data-testid="empty-state">
      <Stack gap={4} align="center">
        <Text fw={600}>{title}</Text>
        {children && <Text c="dimmed" size="sm" ta="center">{children}</Text>}
      </Stack>
    </Paper>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title="Something went wrong" role="alert">
      <Stack gap="xs">
        <Text size="sm">{message}</Text>
        {error instanceof ApiError && error.status === 422 && <FieldErrorList errors={error.fieldErrors} />}
        {retry && (
          <Group>
            <Button size="xs" variant="light" color="red" onClick={retry}>Try again</Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function FieldErrorList({ errors, only }: { errors: Record<string, string[]>; only?: string[] }) {
  const entries = Object.entries(errors).filter(([field]) => !only || only.includes(field));
  if (entries.length === 0) return null;
  return (
    <ul style={{ margin: 0, paddingLeft: '1.2em' }}>
      {entries.map(([field, codes]) => (
        <li key={field}><Text size="sm"><code>{field}</code>: {codes.map(humanCode).join(' ')}</Text></li>
      ))}
    </ul>
  );
}

/** Renders a query's states, then its data. */
export function QueryView<T>({ query, empty, children }: {
  query: { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  empty?: (data: T) => ReactNode | null;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError || query.data === undefined) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  const nothing = empty?.(query.data);
  if (nothing) return <>{nothing}</>;
  return <>{children(query.data)}</>;
}
