import type { ReactNode } from 'react';
import { Anchor, Breadcrumbs, Group, Stack, Title } from '@mantine/core';
import { Link } from 'react-router';

/** A page's title (the one h1), its trail back and its main actions. */
export function PageHeader({ title, trail = [], actions }: { title: ReactNode; trail?: [string, string][]; actions?: ReactNode }) {
  return (
    <Stack gap={4} mb="md">
      {trail.length > 0 && (
        <Breadcrumbs aria-label="Breadcrumb">
          {trail.map(([to, label]) => <Anchor key={to} component={Link} to={to} size="sm">{label}</Anchor>)}
        </Breadcrumbs>
      )}
      <Group justify="space-between" align="center">
        <Title order={1} size="h2">{title}</Title>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
    </Stack>
  );
}
