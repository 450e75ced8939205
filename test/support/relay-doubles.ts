/**
 * What the relay's tests share: a webhook receiver on 127.0.0.1 whose answer each test decides, and
 * a Temporal client that records the id of every workflow the relay starts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { RelayDeps } from '../../src/webhooks/relay';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Listens on 127.0.0.1 (a private address: the organization must allow it); `answer` gives each request's status. */
export async function startReceiver(answer: (request: ReceivedRequest) => number): Promise<{ server: http.Server; baseUrl: string }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const status = answer({ path: req.url!, headers: req.headers, body });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

type Start = RelayDeps['client']['workflow']['start'];

/** `client`, recording each workflow it starts; with `dieAfterStart`, it throws right after a start (a relay dying before it marks the row). */
export function recordingClient(client: Client, started: string[], options: { dieAfterStart?: boolean } = {}): RelayDeps['client'] {
  return {
    workflow: {
      start: (async (...args: Parameters<Start>) => {
        const handle = await client.workflow.start(...args);
        started.push(handle.workflowId);
        if (options.dieAfterStart) throw new Error('relay died before marking');
        return handle;
      }) as Start,
    },
  };
}
