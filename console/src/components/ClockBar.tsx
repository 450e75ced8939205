/**
 * The sandbox clock (only with `npm start -- --sandbox`): shows the sandbox's time and moves it
 * forward by a day, a month or to a date, through `/api/v1/sandbox/clock`. Workflows fire their
 * timers as the clock passes them, so a whole billing year can be watched from here.
 */
import { useState, type FormEvent } from 'react';
import { Button, Group, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../lib/api';
import { dateTime } from '../lib/dates';
import { useApi } from '../lib/query';

interface Clock {
  clock: { now: string };
}

export function ClockBar({ timeZone }: { timeZone: string }) {
  const client = useQueryClient();
  const clock = useApi<Clock>('/sandbox/clock', { refetchInterval: 5000 });
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const advance = async (label: string, body: { duration: string } | { to: string }) => {
    setBusy(label);
    setError(null);
    try {
      await api('POST', '/sandbox/clock/advance', body);
      await client.invalidateQueries({ queryKey: ['api'] });
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 422 ? 'That date is not after the sandbox time.' : String((caught as Error).message));
    } finally {
      setBusy(null);
    }
  };
  const toDate = (event: FormEvent) => {
    event.preventDefault();
    if (target) void advance('to', { to: `${target}T00:00:00Z` });
  };
  return (
    <Group gap="xs" wrap="wrap" aria-label="Sandbox clock" role="group">
      <Text size="sm" fw={600} data-testid="sandbox-time" aria-live="polite">
        Sandbox time: {clock.data ? dateTime(clock.data.clock.now, timeZone) : '…'}
      </Text>
      <Button size="xs" variant="light" loading={busy === 'day'} disabled={busy !== null} onClick={() => void advance('day', { duration: 'P1D' })}>
        +1 day
      </Button>
      <Button size="xs" variant="light" loading={busy === 'month'} disabled={busy !== null} onClick={() => void advance('month', { duration: 'P1M' })}>
        +1 month
      </Button>
      <form onSubmit={toDate} style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
        <TextInput
          size="xs"
          type="date"
          aria-label="Advance the sandbox clock to this date (00:00 UTC)"
          name="clock_to"
          value={target}
          onChange={(event) => setTarget(event.currentTarget.value)}
        />
        <Button size="xs" type="submit" variant="light" loading={busy === 'to'} disabled={busy !== null || !target}>Go to date</Button>
      </form>
      {error && <Text size="sm" c="red" role="alert">{error}</Text>}
    </Group>
  );
}
