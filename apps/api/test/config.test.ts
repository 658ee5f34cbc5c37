import { Keypair } from '@stellar/stellar-sdk';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults to the embedded mode outside production', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, metricsHost: '127.0.0.1', metricsPort: 9464, production: false });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('refuses every embedded default in production, naming each variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'STELLAR_RPC_URL', 'JWT_SECRET'])
        expect(message).toContain(name);
    }
  });

  it('accepts a complete production environment', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://app@db.internal:5432/app',
      REDIS_URL: 'redis://cache.internal:6379',
      STELLAR_RPC_URL: 'https://soroban-testnet.stellar.org',
      STELLAR_NETWORK_PASSPHRASE: 'Test SDF Network ; September 2015',
      STELLAR_DISTRIBUTOR_SECRET: Keypair.random().secret(),
      STELLAR_ISSUER_SECRET: Keypair.random().secret(),
      STELLAR_CREDENTIAL_CONTRACT_ID: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC',
      JWT_SECRET: 'x'.repeat(40),
    };
    expect(loadConfig(env).production).toBe(true);
  });

  it('reports bad values clearly without echoing connection strings', () => {
    let message = '';
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'postgres://user:hunter2@:bad:port',
        JWT_SECRET: 'short',
        METRICS_PORT: '70000',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('PORT must be an integer');
    expect(message).toContain('METRICS_PORT must be an integer');
    expect(message).toContain('JWT_SECRET must be at least 32 characters');
    expect(message).toContain('DATABASE_URL is not a valid URL');
    expect(message).not.toContain('hunter2');
  });

  it('requires the Stellar keys and contract with STELLAR_RPC_URL', () => {
    const distributor = Keypair.random().secret();
    expect(() =>
      loadConfig({
        STELLAR_RPC_URL: 'http://127.0.0.1:8000',
        STELLAR_DISTRIBUTOR_SECRET: distributor,
        STELLAR_ISSUER_SECRET: distributor,
      }),
    ).toThrow(/STELLAR_NETWORK_PASSPHRASE[\s\S]*must differ[\s\S]*STELLAR_CREDENTIAL_CONTRACT_ID/);
  });

  it('reads channel accounts and the batch size, and refuses bad ones without echoing a seed', () => {
    const stellar = {
      STELLAR_RPC_URL: 'http://127.0.0.1:8000',
      STELLAR_NETWORK_PASSPHRASE: 'Standalone Network ; February 2017',
      STELLAR_DISTRIBUTOR_SECRET: Keypair.random().secret(),
      STELLAR_ISSUER_SECRET: Keypair.random().secret(),
      STELLAR_CREDENTIAL_CONTRACT_ID: 'CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC',
    };
    const channels = [Keypair.random().secret(), Keypair.random().secret()];
    expect(loadConfig({})).toMatchObject({ channelSecrets: [], channelCount: 2, batchMaxOperations: 100 });
    expect(
      loadConfig({
        ...stellar,
        STELLAR_CHANNEL_SECRETS: ` ${channels.join(' , ')} `,
        STELLAR_BATCH_MAX_OPERATIONS: '10',
      }),
    ).toMatchObject({ channelSecrets: channels, batchMaxOperations: 10 });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ STELLAR_BATCH_MAX_OPERATIONS: '101' })).toContain(
      'STELLAR_BATCH_MAX_OPERATIONS must be an integer between 1 and 100',
    );
    expect(problems({ STELLAR_BATCH_MAX_OPERATIONS: '0' })).toContain('STELLAR_BATCH_MAX_OPERATIONS');
    expect(problems({ STELLAR_CHANNEL_SECRETS: channels[0]! })).toContain(
      'STELLAR_CHANNEL_SECRETS needs STELLAR_RPC_URL',
    );
    const bad = problems({
      ...stellar,
      STELLAR_CHANNEL_SECRETS: [channels[0], 'SNOTASEED', channels[0], stellar.STELLAR_DISTRIBUTOR_SECRET].join(','),
    });
    expect(bad).toContain('STELLAR_CHANNEL_SECRETS entry 2 is not a valid secret seed (S...)');
    expect(problems({ ...stellar, STELLAR_CHANNEL_SECRETS: `SNOTASEED,${channels[0]},GNOTASEED` })).toContain(
      'STELLAR_CHANNEL_SECRETS entries 1, 3 are not valid secret seeds (S...)',
    );
    expect(bad).toContain('lists the same seed twice');
    expect(bad).toContain('must not contain the distributor or issuer seed');
    for (const seed of [channels[0]!, 'SNOTASEED', stellar.STELLAR_DISTRIBUTOR_SECRET]) expect(bad).not.toContain(seed);
  });

  it('refuses empty channel entries: a stray comma is a typo, not "no channel accounts"', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const seed = Keypair.random().secret();
    expect(problems({ STELLAR_CHANNEL_SECRETS: ' , ,' })).toContain(
      'STELLAR_CHANNEL_SECRETS entries 1, 2, 3 are empty: list secret seeds separated by commas, or leave it unset',
    );
    const trailing = problems({ STELLAR_CHANNEL_SECRETS: `${seed},` });
    expect(trailing).toContain('STELLAR_CHANNEL_SECRETS entry 2 is empty');
    expect(trailing).not.toContain(seed);
    // Unset, empty or blank: no channel accounts (the distributor is its own source).
    for (const blank of ['', '  ']) expect(loadConfig({ STELLAR_CHANNEL_SECRETS: blank }).channelSecrets).toEqual([]);
  });

  it('takes integers as decimal digits only (no exponent, hex, fraction or padding)', () => {
    for (const raw of ['1e2', '0x10', '10.0', '1_0', ' 10', '+10', '']) {
      const read = () => loadConfig({ STELLAR_BATCH_MAX_OPERATIONS: raw, PORT: raw });
      if (raw === '') expect(read()).toMatchObject({ batchMaxOperations: 100, port: 3000 });
      else {
        expect(read).toThrow(`STELLAR_BATCH_MAX_OPERATIONS must be an integer between 1 and 100 (got "${raw}")`);
        expect(read).toThrow(`PORT must be an integer between 0 and 65535 (got "${raw}")`);
      }
    }
    expect(loadConfig({ STELLAR_BATCH_MAX_OPERATIONS: '100', PORT: '0' })).toMatchObject({
      batchMaxOperations: 100,
      port: 0,
    });
  });
});
