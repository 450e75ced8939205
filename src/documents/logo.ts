/**
 * The organization's logo as a data URL, so the page loads nothing from the network. A data URL
 * is used as is; an http(s) URL is fetched here (5 s, 1 MiB, images only) and cached per process.
 * Any failure means "no logo", never a failed invoice.
 */
import { logger } from '../runtime/logger';
import { monotonicMs } from '../runtime/clock';

const MAX_BYTES = 1024 * 1024;
const cache = new Map<string, { value: string | null; until: number }>();

export type LogoFetcher = (url: string) => Promise<string | null>;

export const fetchLogo: LogoFetcher = async (url) => {
  if (url.startsWith('data:image/')) return url;
  if (!/^https?:\/\//i.test(url)) return null;
  const hit = cache.get(url);
  if (hit && hit.until > monotonicMs()) return hit.value;
  let value: string | null = null;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'follow' });
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (response.ok && /^image\/(png|jpeg|gif|webp|svg\+xml)$/.test(type)) {
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length <= MAX_BYTES) value = `data:${type};base64,${bytes.toString('base64')}`;
    }
    if (!value) logger.warn({ url, status: response.status, type }, 'organization logo not usable; the document has no logo');
  } catch (error) {
    logger.warn({ url, err: error }, 'organization logo could not be fetched; the document has no logo');
  }
  cache.set(url, { value, until: monotonicMs() + (value ? 3_600_000 : 60_000) });
  if (cache.size > 500) cache.delete(cache.keys().next().value!);
  return value;
};
