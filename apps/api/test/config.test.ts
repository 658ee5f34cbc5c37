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
});
