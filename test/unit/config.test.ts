import { loadConfig } from '../../src/runtime/config';

describe('configuration from the environment', () => {
  it('has safe defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', TEMPORAL_TASK_QUEUE: 'billow-subscriptions' });
    expect(config.DATABASE_URL).toBeUndefined(); // embedded Postgres
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
  });
  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' })).toMatchObject({ DATABASE_URL: undefined, TEMPORAL_ADDRESS: undefined });
  });
  it('names the variable to fix', () => {
    expect(() => loadConfig({ DATABASE_URL: 'nope', PORT: '70000' })).toThrow(/DATABASE_URL[\s\S]*PORT|PORT[\s\S]*DATABASE_URL/);
  });
  it('renders PDFs at finalization unless told on_demand, and refuses any other value by name', () => {
    expect(loadConfig({}).BILLOW_PDF_GENERATION).toBe('on_finalize');
    expect(loadConfig({ BILLOW_PDF_GENERATION: 'on_demand' }).BILLOW_PDF_GENERATION).toBe('on_demand');
    expect(() => loadConfig({ BILLOW_PDF_GENERATION: 'never' })).toThrow(/BILLOW_PDF_GENERATION/);
  });
  it("a worker's pool of 10 and statement timeout of 30 s unless told; a timeout of a minute or more (the activities' own) is refused", () => {
    expect(loadConfig({})).toMatchObject({ BILLOW_WORKER_DB_POOL_SIZE: 10, BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: 0 });
    expect(loadConfig({ BILLOW_WORKER_DB_POOL_SIZE: '25', BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: '0' })).toMatchObject({ BILLOW_WORKER_DB_POOL_SIZE: 25, BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: 0 });
    expect(loadConfig({ BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: '300' })).toMatchObject({ BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: 300 });
    expect(() => loadConfig({ BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: '-1' })).toThrow(/BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ BILLOW_WORKER_DB_POOL_SIZE: '0' })).toThrow(/BILLOW_WORKER_DB_POOL_SIZE/);
  });
  it('a workflow cache of 1,000 unless told; no cache (0) or 1 refused by name: a period close runs inside its cached workflow task', () => {
    expect(loadConfig({}).BILLOW_WORKER_MAX_CACHED_WORKFLOWS).toBe(1000);
    expect(loadConfig({ BILLOW_WORKER_MAX_CACHED_WORKFLOWS: '2' }).BILLOW_WORKER_MAX_CACHED_WORKFLOWS).toBe(2);
    expect(() => loadConfig({ BILLOW_WORKER_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/BILLOW_WORKER_MAX_CACHED_WORKFLOWS: must be at least 2/);
    expect(() => loadConfig({ BILLOW_WORKER_MAX_CACHED_WORKFLOWS: '1' })).toThrow(/BILLOW_WORKER_MAX_CACHED_WORKFLOWS/);
  });
});
