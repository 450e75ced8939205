/** The providers Billow collects payments through, behind one interface (`provider.ts`). */
import { loadConfig } from '../../../runtime/config';
import type { ProviderFactory } from './provider';
import { stripeProvider } from './stripe';

export * from './provider';

/**
 * The process's providers, built from the configuration: Stripe at its own API, or at
 * `BILLOW_STRIPE_API_URL` (stripe-mock in the tests).
 */
export function configuredProviders(): ProviderFactory {
  const { BILLOW_STRIPE_API_URL: apiUrl } = loadConfig();
  return (credentials) => stripeProvider({ secretKey: credentials.secretKey, apiUrl });
}
