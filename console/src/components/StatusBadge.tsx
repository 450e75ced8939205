import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  active: 'green', pending: 'yellow', terminated: 'gray', canceled: 'gray',
  draft: 'yellow', finalized: 'blue', voided: 'gray', failed: 'red',
  succeeded: 'green', retrying: 'orange',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge variant="light" color={COLORS[status] ?? 'gray'}>{status}</Badge>;
}
