import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  active: 'green', pending: 'yellow', terminated: 'gray', canceled: 'gray',
  draft: 'yellow', finalized: 'blue', voided: 'gray', failed: 'red',
  succeeded: 'green', retrying: 'orange',
};

export function StatusBadge({ status }: { status: string }) {
  // Dark text on the light tint: the small capitals stay above 4.5:1 whatever the color.
  return <Badge variant="light" color={COLORS[status] ?? "gray"} c="dark.8">{status}</Badge>;
}
