/**
 * One outbound webhook request, SSRF-proof: the endpoint's host is resolved here, every address
 * it resolves to is checked (address-policy.ts), and the connection goes to the address that was
 * checked (a pinned `lookup`: no second DNS query between the check and the connect, so DNS
 * rebinding cannot swap in an internal address). Redirects are not followed: a 3xx is a failed
 * attempt and its `Location` is never contacted. At most `maxResponseBytes` of the answer are read,
 * streamed; the rest is never read (the connection is closed).
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressLiteral, classifyAddress, classifyHostName, isAllowedCategory, type AddressCategory } from './address-policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Turns a host name into addresses; the system's resolver (getaddrinfo, /etc/hosts included) unless a test injects one. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

export type Target =
  | { kind: 'allowed'; url: URL; address: ResolvedAddress }
  /** Refused by the address policy: nothing was sent. `detail` is for the operator's log, not for the API. */
  | { kind: 'refused'; error: string; detail: { host: string; address: string | null; category: AddressCategory } }
  | { kind: 'unreachable'; error: string };

export const ADDRESS_NOT_ALLOWED = 'address_not_allowed';

/**
 * Where a webhook for `rawUrl` may go. A host name must resolve only to allowed addresses (one
 * internal answer among public ones refuses it all); an address literal is judged as is.
 */
export async function resolveTarget(rawUrl: string, options: { allowPrivate: boolean; resolve: Resolver }): Promise<Target> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { kind: 'unreachable', error: 'url_is_invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'unreachable', error: 'url_is_invalid' };
  const host = url.hostname;
  const refuse = (address: string | null, category: AddressCategory): Target => ({ kind: 'refused', error: ADDRESS_NOT_ALLOWED, detail: { host, address, category } });

  const literal = addressLiteral(host);
  if (literal) {
    const category = classifyAddress(literal);
    if (!isAllowedCategory(category, options.allowPrivate)) return refuse(literal, category);
    return { kind: 'allowed', url, address: { address: literal, family: literal.includes(':') ? 6 : 4 } };
  }
  const named = classifyHostName(host);
  if (named && !isAllowedCategory(named, options.allowPrivate)) return refuse(null, named);

  let addresses: ResolvedAddress[];
  try {
    addresses = await options.resolve(host);
  } catch (caught) {
    return { kind: 'unreachable', error: (caught as NodeJS.ErrnoException).code ?? 'ENOTFOUND' };
  }
  if (addresses.length === 0) return { kind: 'unreachable', error: 'ENOTFOUND' };
  for (const { address } of addresses) {
    const category = classifyAddress(address);
    if (!isAllowedCategory(category, options.allowPrivate)) return refuse(address, category);
  }
  return { kind: 'allowed', url, address: addresses[0]! };
}

export interface OutboundAnswer {
  httpStatus: number | null;
  /** Null when the receiver answered 2xx. */
  error: string | null;
  /** The first bytes of the answer (UTF-8, NUL removed), from an allowed address only. */
  responseBody: string | null;
}

/** Connects to exactly the checked address, whatever the resolver would answer now. */
function pinned({ address, family }: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

/** POSTs `body` to an allowed target; any non-2xx answer, timeout or network error is an error, never a throw. */
export function postToTarget(
  target: Extract<Target, { kind: 'allowed' }>,
  request: { headers: Record<string, string>; body: string },
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<OutboundAnswer> {
  const { url, address } = target;
  const literal = addressLiteral(url.hostname);
  const hostname = literal ?? url.hostname;
  const transport = url.protocol === 'https:' ? https : http;

  return new Promise<OutboundAnswer>((resolve) => {
    let settled = false;
    let response: http.IncomingMessage | null = null;
    const chunks: Buffer[] = [];
    let kept = 0;

    const finish = (answer: OutboundAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever is left of the answer is never read: the socket closes.
      outgoing.destroy();
      response?.destroy();
      resolve(answer);
    };
    const answered = () => {
      const status = response!.statusCode ?? 0;
      const ok = status >= 200 && status <= 299;
      const error = ok ? null : status >= 300 && status <= 399 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
      finish({ httpStatus: status, error, responseBody: Buffer.concat(chunks).toString('utf8').replace(/\u0000/g, '') });
    };

    const outgoing = transport.request({
      protocol: url.protocol,
      hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
      agent: false,
      lookup: pinned(address),
      // Credentials in the URL (`https://user:pass@host/…`) go as Basic authentication, as browsers and curl send them.
      ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
      ...(url.protocol === 'https:' && literal === null ? { servername: hostname } : {}),
    }, (incoming) => {
      response = incoming;
      incoming.on('data', (chunk: Buffer) => {
        if (kept < limits.maxResponseBytes) {
          const part = chunk.subarray(0, limits.maxResponseBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        if (kept >= limits.maxResponseBytes) answered();
      });
      incoming.on('end', answered);
      incoming.on('error', answered);
      incoming.on('aborted', answered);
    });
    outgoing.on('error', (caught: NodeJS.ErrnoException) => {
      if (response) answered();
      else finish({ httpStatus: null, error: caught.code ?? caught.message, responseBody: null });
    });
    // One deadline for connecting, the headers and the (bounded) answer: a slow body keeps what came.
    const timer = setTimeout(() => {
      if (response) answered();
      else finish({ httpStatus: null, error: `timeout after ${limits.timeoutMs} ms`, responseBody: null });
    }, limits.timeoutMs);
    outgoing.end(request.body);
  });
}
