/** One request to Billow's API on a keep-alive agent, for the benches: status, body text and how long it took. */
import http from 'node:http';

export function apiCall(
  agent: http.Agent, base: URL, apiKey: string, method: string, path: string, body?: unknown,
): Promise<{ status: number; text: string; ms: number }> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent, hostname: base.hostname, port: base.port, path, method,
        headers: { Authorization: `Bearer ${apiKey}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
