/**
 * `COPY … FROM STDIN` with the plain `pg` client (no extra dependency): a pg `Query` that, once
 * the server asks for data, streams the given text chunks (COPY text format), honouring the
 * socket's back-pressure, then ends the copy. Used by the benches to load rows at raw speed.
 */
import { once } from 'node:events';
import { Query, type Client } from 'pg';

interface CopyConnection {
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

class CopyFromStdin extends Query {
  constructor(
    text: string,
    private readonly chunks: Iterable<string>,
  ) {
    super(text);
  }

  /** Called by pg's client when the server answers CopyInResponse. */
  handleCopyInResponse(connection: CopyConnection): void {
    void (async () => {
      try {
        for (const chunk of this.chunks) {
          connection.sendCopyFromChunk(Buffer.from(chunk));
          if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
        }
        connection.endCopyFrom();
      } catch (error) {
        connection.sendCopyFail(String(error));
      }
    })();
  }
}

/** Runs `COPY <table> (<columns>) FROM STDIN` with `chunks` of tab-separated lines. */
export async function copyFrom(client: Client, table: string, columns: string[], chunks: Iterable<string>): Promise<void> {
  const sql = `COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
  await new Promise<void>((resolve, reject) => {
    const query = new CopyFromStdin(sql, chunks);
    // pg calls a submittable's `callback` when the statement completes (or fails).
    (query as unknown as { callback: (error: Error | null) => void }).callback = (error) => (error ? reject(error) : resolve());
    client.query(query);
  });
}
