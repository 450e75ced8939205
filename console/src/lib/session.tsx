/** Who is signed in: `GET /console/session` (the cookie itself is HttpOnly, invisible here). */
import { createContext, useContext } from 'react';

export interface Session {
  organization: { lago_id: string; name: string; timezone: string; default_currency: string };
  expires_at: string;
  sandbox: boolean;
  temporal_ui_url: string | null;
  temporal_namespace: string;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
