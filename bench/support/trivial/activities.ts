/** The baseline's one activity: one row in one table, as cheap as a write gets. */
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });

export async function insertMark(id: string): Promise<void> {
  await pool.query('INSERT INTO bench_marks (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
}
