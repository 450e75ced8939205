/**
 * The floor plan (DESIGN.md §3) holds: eslint finds no upward import, no SQL outside src/db and no
 * wall clock outside runtime/clock.ts anywhere in the project, madge finds no import cycle in src,
 * and each of those rules does fire on a line that breaks it.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import madge from 'madge';

const root = path.resolve(__dirname, '../..');

/** eslint runs in its own process (lint.mjs): jest's VM cannot load its ESM configuration. */
function lint(args: string[], input?: string): unknown {
  return JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'lint.mjs'), ...args], { cwd: root, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

/** Lines that each break (or keep) one rule, linted as if they were the given file. */
const SNIPPETS = {
  dbImportsApi: { file: 'src/db/example.ts', code: "import { notFound } from '../api/errors';\nexport const x = notFound;\n" },
  routeImportsDbTwoDeep: { file: 'src/api/routes/example.ts', code: "import { findInvoice } from '../../db/invoices';\nexport const x = findInvoice;\n" },
  serializerImportsService: { file: 'src/serializers/deep/example.ts', code: "import { presentInvoice } from '../../services/invoicing/invoice-presenter';\nexport const x = presentInvoice;\n" },
  domainFileOfAnother: { file: 'src/services/credits/example.ts', code: "import { issueInvoice } from '../invoicing/invoice-writer';\nexport const x = issueInvoice;\n" },
  domainIndexOfAnother: { file: 'src/services/credits/example.ts', code: "import { issueInvoice } from '../invoicing';\nexport const x = issueInvoice;\n" },
  sqlInService: { file: 'src/services/invoicing/example.ts', code: "import type { Db } from '../../db/knex';\nexport const rows = (db: Db) => db('invoices').where({ id: 1 });\n" },
  knexInService: { file: 'src/services/invoicing/example.ts', code: "import knex from 'knex';\nexport const k = knex;\n" },
  sqlInDb: { file: 'src/db/example.ts', code: "import type { Db } from './knex';\nexport const rows = (db: Db) => db('invoices').where({ id: 1 });\n" },
  dateNowInService: { file: 'src/services/invoicing/example.ts', code: 'export const now = () => Date.now();\n' },
  newDateInDb: { file: 'src/db/example.ts', code: 'export const now = () => new Date();\n' },
  dateOfAnInstant: { file: 'src/services/invoicing/example.ts', code: 'export const at = (ms: number) => new Date(ms);\n' },
  dateNowInTheClock: { file: 'src/runtime/clock.ts', code: 'export const now = () => Date.now();\n' },
};

let reported: Record<keyof typeof SNIPPETS, string[]>;

beforeAll(() => {
  const names = Object.keys(SNIPPETS) as (keyof typeof SNIPPETS)[];
  const results = lint(['snippets'], JSON.stringify(names.map((name) => SNIPPETS[name]))) as string[][];
  reported = Object.fromEntries(names.map((name, index) => [name, results[index]!])) as typeof reported;
});

describe('the floors', () => {
  test('eslint passes on the whole project', () => {
    expect(lint([])).toEqual([]);
  });

  test('src has no import cycle', async () => {
    const graph = await madge(path.join(root, 'src'), { fileExtensions: ['ts'], tsConfig: path.join(root, 'tsconfig.json') });
    expect(graph.circular()).toEqual([]);
  });

  test('an upward import fails, at any depth', () => {
    expect(reported.dbImportsApi).toEqual([expect.stringMatching(/^billow\/floors: db may not import from api/)]);
    expect(reported.routeImportsDbTwoDeep).toEqual([expect.stringMatching(/^billow\/floors: api may not import from db/)]);
    expect(reported.serializerImportsService).toEqual([expect.stringMatching(/^billow\/floors: serializers may not import from services\/invoicing/)]);
  });

  test('a service reaches another domain only through its index', () => {
    expect(reported.domainFileOfAnother).toEqual([expect.stringMatching(/^billow\/floors: services\/credits may use another domain only through its index\.ts/)]);
    expect(reported.domainIndexOfAnother).toEqual([]);
  });

  test('SQL outside src/db fails; inside it passes', () => {
    expect(reported.sqlInService).toEqual([expect.stringMatching(/^no-restricted-syntax: SQL lives in src\/db/)]);
    expect(reported.knexInService).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: 'knex' import is restricted/)]);
    expect(reported.sqlInDb).toEqual([]);
  });

  test('the wall clock is read only in runtime/clock.ts', () => {
    expect(reported.dateNowInService).toEqual([expect.stringMatching(/^no-restricted-syntax: Read "now" from runtime\/clock\.ts/)]);
    expect(reported.newDateInDb).toEqual([expect.stringMatching(/^no-restricted-syntax: Read "now" from runtime\/clock\.ts/)]);
    expect(reported.dateOfAnInstant).toEqual([]);
    expect(reported.dateNowInTheClock).toEqual([]);
  });
});
