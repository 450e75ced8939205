/** The frame of every signed-in page: navigation, the organization, the sandbox clock, signing out. */
import type { ReactNode } from 'react';
import { AppShell, Anchor, Button, Group, NavLink, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { useSession } from '../lib/session';
import { ClockBar } from './ClockBar';

const SECTIONS: [string, string][] = [
  ['/customers', 'Customers'],
  ['/plans', 'Plans'],
  ['/metrics', 'Billable metrics'],
  ['/invoices', 'Invoices'],
  ['/events', 'Events debugger'],
  ['/webhooks', 'Webhooks'],
  ['/taxes', 'Taxes'],
  ['/coupons', 'Coupons'],
  ['/add-ons', 'Add-ons'],
];

export function Layout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const session = useSession();
  const location = useLocation();
  return (
    <AppShell header={{ height: session.sandbox ? 92 : 56 }} navbar={{ width: 220, breakpoint: 0 }} padding="md">
      <AppShell.Header px="md" py={8}>
        <a href="#main" className="skip-link">Skip to content</a>
        <Stack gap={6}>
          <Group justify="space-between" wrap="nowrap">
            <Group gap="sm">
              <Title order={2} size="h4"><Anchor component={RouterLink} to="/customers" underline="never">Billow</Anchor></Title>
              <Text size="sm" c="dimmed" data-testid="organization-name">{session.organization.name}</Text>
            </Group>
            <Button variant="subtle" size="xs" onClick={onSignOut}>Sign out</Button>
          </Group>
          {session.sandbox && <ClockBar timeZone={session.organization.timezone} />}
        </Stack>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        <ScrollArea component="nav" aria-label="Main">
          {SECTIONS.map(([to, label]) => (
            <NavLink key={to} component={RouterLink} to={to} label={label} active={location.pathname.startsWith(to)} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>{children}</AppShell.Main>
    </AppShell>
  );
}
