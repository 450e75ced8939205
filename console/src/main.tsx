/**
 * The Billow Console: a client of Billow's own public API. React with Mantine (components),
 * TanStack Query (data fetching, caching, polling) and React Router; each section is loaded on
 * first visit so the first load stays small (bench/console.ts measures it).
 */
import { lazy, StrictMode, Suspense, useEffect, useState, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider, createTheme, defaultVariantColorsResolver, parseThemeColor, type VariantColorsResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import '@mantine/core/styles.css';
import './styles.css';
import { ApiError, request, whenSessionLost } from './lib/api';
import { customerInvoicesPath, customerPath, customerSubscriptionsPath } from './lib/customer-paths';
import { SessionContext, type Session } from './lib/session';
import { Layout } from './components/Layout';
import { ErrorState, Loading } from './components/states';
import { ErrorBoundary } from './components/ErrorBoundary';
import { SignIn } from './pages/SignIn';

function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

/**
 * The first page's code is fetched while the session is checked, not after (a deep link, a
 * reload): the module import is cached, so the lazy page below finds it loaded.
 */
const SECTION_CODE: [RegExp, () => Promise<unknown>][] = [
  [/^\/console\/customers\/(?!new$)[^/]+$/, () => import('./pages/customer')],
  [/^\/console\/customers/, () => import('./pages/customers')],
  [/^\/console\/subscriptions\//, () => import('./pages/subscription')],
  [/^\/console\/invoices\/.+/, () => import('./pages/invoice')],
  [/^\/console\/invoices/, () => import('./pages/invoices')],
  [/^\/console\/plans/, () => import('./pages/plans')],
  [/^\/console\/metrics/, () => import('./pages/metrics')],
  [/^\/console\/events/, () => import('./pages/events')],
];
SECTION_CODE.find(([pattern]) => pattern.test(window.location.pathname))?.[1]().catch(() => undefined);
/** Asked at once, before the first render. */
const firstSession = request<{ session: Session }>('GET', '/console/session');

const MetricsPage = page(() => import('./pages/metrics'), 'MetricsPage');
const MetricFormPage = page(() => import('./pages/metrics'), 'MetricFormPage');
const PlansPage = page(() => import('./pages/plans'), 'PlansPage');
const PlanFormPage = page(() => import('./pages/plans'), 'PlanFormPage');
const CustomersPage = page(() => import('./pages/customers'), 'CustomersPage');
const CustomerFormPage = page(() => import('./pages/customers'), 'CustomerFormPage');
const CustomerPage = page(() => import('./pages/customer'), 'CustomerPage');
const SubscriptionPage = page(() => import('./pages/subscription'), 'SubscriptionPage');
const InvoicesPage = page(() => import('./pages/invoices'), 'InvoicesPage');
const InvoicePage = page(() => import('./pages/invoice'), 'InvoicePage');
const EventsPage = page(() => import('./pages/events'), 'EventsPage');
const WebhooksPage = page(() => import('./pages/webhooks'), 'WebhooksPage');
const TaxesPage = page(() => import('./pages/catalog'), 'TaxesPage');
const CouponsPage = page(() => import('./pages/catalog'), 'CouponsPage');
const AddOnsPage = page(() => import('./pages/catalog'), 'AddOnsPage');

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      staleTime: 2_000,
    },
  },
});

/**
 * A deep link's first reads are asked beside the session check, not after the page has rendered
 * (the session cookie rides along; without a session they fail and the page asks again after sign-in).
 */
const FIRST_READS: [RegExp, (id: string) => string[]][] = [
  [/^\/console\/customers\/(?!new$)([^/]+)$/, (id) => [customerPath(id), customerSubscriptionsPath(id), customerInvoicesPath(id, 1)]],
];
for (const [pattern, reads] of FIRST_READS) {
  const match = pattern.exec(window.location.pathname);
  if (!match) continue;
  for (const path of reads(decodeURIComponent(match[1]!))) {
    void queryClient.prefetchQuery({ queryKey: ['api', path], queryFn: () => request('GET', `/api/v1${path}`, undefined, { quiet: true }) });
  }
}

/**
 * WCAG AA contrast (4.5:1) everywhere, as axe-core checks in the browser tests: the primary color
 * and filled buttons at shade 8, text on light and subtle backgrounds (badges, secondary buttons) at
 * shade 9, and links underlined so they are told apart from text without color.
 */
const contrastResolver: VariantColorsResolver = (input) => {
  const base = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor) return base;
  const shade = (n: number) => `var(--mantine-color-${parsed.color}-${n})`;
  if (input.variant === 'filled') return { ...base, background: shade(8), hover: shade(9), color: 'var(--mantine-color-white)' };
  if (input.variant === 'light' || input.variant === 'subtle') return { ...base, color: shade(9), hoverColor: shade(9) };
  return base;
};

const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  defaultRadius: 'sm',
  variantColorResolver: contrastResolver,
  // Badges are small capitals on a light tint: dark text keeps them readable in every color.
  components: { Anchor: { defaultProps: { underline: 'always' } }, Badge: { defaultProps: { variant: 'light', c: 'dark.8' } } },
});

function NotFound() {
  return <ErrorState error={new Error('There is no page at this address.')} />;
}

function Pages() {
  const location = useLocation();
  return (
    <ErrorBoundary resetKey={location.pathname}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Navigate to="/customers" replace />} />
          <Route path="/metrics" element={<MetricsPage />} />
          <Route path="/metrics/new" element={<MetricFormPage />} />
          <Route path="/metrics/:code" element={<MetricFormPage />} />
          <Route path="/plans" element={<PlansPage />} />
          <Route path="/plans/new" element={<PlanFormPage />} />
          <Route path="/plans/:code" element={<PlanFormPage />} />
          <Route path="/customers" element={<CustomersPage />} />
          <Route path="/customers/new" element={<CustomerFormPage />} />
          <Route path="/customers/:externalId/edit" element={<CustomerFormPage />} />
          <Route path="/customers/:externalId" element={<CustomerPage />} />
          <Route path="/subscriptions/:externalId" element={<SubscriptionPage />} />
          <Route path="/invoices" element={<InvoicesPage />} />
          <Route path="/invoices/:id" element={<InvoicePage />} />
          <Route path="/events" element={<EventsPage />} />
          <Route path="/webhooks" element={<WebhooksPage />} />
          <Route path="/taxes" element={<TaxesPage />} />
          <Route path="/coupons" element={<CouponsPage />} />
          <Route path="/add-ons" element={<AddOnsPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}

/** Set while signing out: the 401s of polls still in flight then are not "your session has ended". */
let signingOut = false;

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    whenSessionLost(() => {
      if (signingOut) return;
      queryClient.clear();
      setNotice('Your session has ended. Sign in again.');
      setSession(null);
    });
    firstSession
      .then(({ session: current }) => setSession(current))
      .catch((error) => (error instanceof ApiError && error.status === 401 ? setSession(null) : setFailure(error)));
  }, []);

  if (failure) return <ErrorState error={failure} retry={() => window.location.reload()} />;
  if (session === undefined) return <Loading label="Opening the console…" />;
  if (session === null) return <SignIn notice={notice} onSignedIn={(opened) => { signingOut = false; queryClient.clear(); setNotice(undefined); setSession(opened); }} />;

  const signOut = async () => {
    signingOut = true; // until the next sign-in: polls answered 401 after this are expected
    await queryClient.cancelQueries();
    await request('DELETE', '/console/session').catch(() => undefined);
    queryClient.clear();
    setNotice('You are signed out.');
    setSession(null);
  };

  return (
    <SessionContext.Provider value={session}>
      <Layout onSignOut={() => void signOut()}>
        <Pages />
      </Layout>
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/console">
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
