import type { PoolClient } from 'pg';

/** Returns the user id of a Stellar account, creating the user on first sign-in. */
export async function upsertUser(client: PoolClient, stellarAddress: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO users (stellar_address) VALUES ($1)
     ON CONFLICT (stellar_address) DO UPDATE SET stellar_address = EXCLUDED.stellar_address RETURNING id`,
    [stellarAddress],
  );
  return rows[0]!.id;
}
