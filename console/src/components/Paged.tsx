/** Page controls for a Lago list (`meta`), with the total shown. */
import { Group, Pagination, Text } from '@mantine/core';
import type { Meta } from '../lib/api';

export function Paged({ meta, page, onPage, noun }: { meta: Meta; page: number; onPage: (page: number) => void; noun: string }) {
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed" data-testid={`${noun}-count`}>{meta.total_count} {noun}{meta.total_count === 1 ? '' : 's'}</Text>
      {meta.total_pages > 1 && (
        <Pagination
          total={meta.total_pages}
          value={page}
          onChange={onPage}
          size="sm"
          getControlProps={(control) => ({ 'aria-label': `${control} page` })}
          getItemProps={(item) => ({ 'aria-label': `Page ${item}` })}
        />
      )}
    </Group>
  );
}
