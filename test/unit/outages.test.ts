/**
 * A lost database, recognised and logged once per interval (src/runtime/outages.ts): when
 * PostgreSQL is gone every request fails the same way, and a line each buried the logs (20 MB in
 * 77 s, issue 12).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { isDatabaseUnavailable, throttledLog } from '../../src/runtime/outages';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

it('a failure repeated 1,000 times within the interval is one line; the next interval says how many were suppressed', async () => {
  const { log, lines } = capture();
  const throttled = throttledLog(log, { intervalMs: 200 });
  for (let i = 0; i < 1_000; i += 1) throttled.failure('database', { path: '/api/v1/plans' }, 'the database cannot be reached');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 50, failure: 'database', path: '/api/v1/plans', msg: 'the database cannot be reached' });
  expect(lines[0]).not.toHaveProperty('suppressed');
  // Another kind is its own line.
  throttled.failure('temporal', {}, 'Temporal cannot be reached');
  expect(lines).toHaveLength(2);

  await sleep(250);
  throttled.failure('database', {}, 'the database cannot be reached');
  expect(lines).toHaveLength(3);
  expect(lines[2]).toMatchObject({ failure: 'database', suppressed: 999 }); // 1,000 − the one logged
  throttled.recovered('database', 'the database answers again');
  expect(lines[3]).toMatchObject({ level: 30, failure: 'database', suppressed: 0, msg: 'the database answers again' });
  throttled.recovered('database', 'the database answers again'); // said once
  expect(lines).toHaveLength(4);
});

it('recognises a lost database by its shape, not a request fault', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const lost of [
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P03', 'the database system is starting up'),
    withCode('08006'),
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' }),
    new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect'),
    Object.assign(new Error('wrapped'), { cause: withCode('ECONNREFUSED') }),
  ]) expect({ error: String(lost), lost: isDatabaseUnavailable(lost) }).toEqual({ error: String(lost), lost: true });
  for (const fault of [
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('22P02', 'invalid input syntax for type uuid'),
    withCode('42P01', 'relation "x" does not exist'),
    new Error('boom'),
    undefined,
  ]) expect({ error: String(fault), lost: isDatabaseUnavailable(fault) }).toEqual({ error: String(fault), lost: false });
});
