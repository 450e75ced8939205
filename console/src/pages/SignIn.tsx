/** Signing in: the organization's API key, typed once, exchanged for an HttpOnly session cookie. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { ApiError, request } from '../lib/api';
import type { Session } from '../lib/session';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { session } = await request<{ session: Session }>('POST', '/console/session', { api_key: key });
      setKey('');
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401
        ? 'This API key does not open any organization. Check it and try again.'
        : caught instanceof ApiError && caught.status === 422
        ? 'Type your organization’s API key.'
        : caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420}>
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">Billow Console</Title>
            <Text size="sm" c="dimmed">
              Sign in with your organization’s API key (printed by <code>npm start</code>). It is sent once and exchanged for a
              session; this page never stores it.
            </Text>
            {notice && <Alert color="blue">{notice}</Alert>}
            <PasswordInput
              label="API key"
              name="api_key"
              autoComplete="current-password"
              value={key}
              onChange={(event) => setKey(event.currentTarget.value)}
              error={error ?? undefined}
              required
              autoFocus
            />
            <Button type="submit" loading={busy}>Sign in</Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
