import { createTestSchema, type TestSchema } from '@app/test-utils';
import { withClient, withTransaction } from '../src/db/transaction';

/**
 * A checked-out connection that PostgreSQL drops between two queries (a restart, a cut, an admin's
 * pg_terminate_backend) makes the next query reject; it never ends the process with an unhandled
 * `error` event, and the pool goes on with a new connection.
 */
describe('withClient / withTransaction', () => {
  let schema: TestSchema;
  beforeAll(async () => {
    schema = await createTestSchema('api_db_client');
  });
  afterAll(async () => {
    await schema.drop();
  });

  it.each([
    ['withClient', withClient],
    ['withTransaction', withTransaction],
  ])('%s: a connection terminated while checked out rejects, and the pool recovers', async (_name, run) => {
    await expect(
      run(schema.pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const closed = new Promise((resolve) =>
          (client as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream.once(
            'close',
            resolve,
          ),
        );
        // From another connection, as an operator or a failover would.
        await schema.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await closed;
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow();
    const { rows } = await schema.pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
  });
});
