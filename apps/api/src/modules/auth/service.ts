import { randomBytes } from 'node:crypto';
import { withSpan } from '@app/tracing';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import type { Pool } from 'pg';
import type { AuditSink, RequestContext } from '../../audit-port';
import { withTransaction } from '../../db/transaction';
import { ERR_AUTH_STORE_DOWN, ERR_UNAUTHORIZED } from '../../errors';
import { AUDIT, SPAN } from '../../names';
import type { ServiceMetrics } from '../../service-metrics';
import type { KeyValueStore } from '../../store/key-value';
import { upsertUser } from './repository';
import type { Challenge, VerifyBody } from './schemas';

const NONCE_LINE = /^Nonce: ([A-Za-z0-9_-]{32})$/m;

export interface AuthServiceDeps {
  pool: Pool;
  store: KeyValueStore;
  audit: AuditSink;
  metrics: ServiceMetrics;
  challengeTtlSeconds: number;
  domain: string;
  auditSecurity(event: Parameters<AuditSink['write']>[1]): Promise<void>;
}

/** A sign-in failure with the reason recorded in metrics and the audit event. */
class SignInFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const nonceKey = (address: string, nonce: string) => `auth:challenge:${address}:${nonce}`;

/** SEP-53 wallet sign-in: a single-use challenge in the store, verified with `Keypair.verifyMessage`. */
export function createAuthService(deps: AuthServiceDeps) {
  return {
    async challenge(stellarAddress: string): Promise<Challenge> {
      if (!StrKey.isValidEd25519PublicKey(stellarAddress)) throw ERR_UNAUTHORIZED('not a valid Stellar account id');
      const nonce = randomBytes(24).toString('base64url');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + deps.challengeTtlSeconds * 1000).toISOString();
      const challenge = [
        `${deps.domain} wants you to sign in with your Stellar account:`,
        stellarAddress,
        '',
        `Nonce: ${nonce}`,
        `Issued At: ${now.toISOString()}`,
        `Expiration Time: ${expiresAt}`,
      ].join('\n');
      try {
        await deps.store.put(nonceKey(stellarAddress, nonce), challenge, deps.challengeTtlSeconds);
      } catch {
        throw ERR_AUTH_STORE_DOWN();
      }
      return { challenge, expiresAt };
    },

    /** Returns the user id; throws 401 (audited, counted) or 503 when the store is down. */
    async verify(input: VerifyBody & RequestContext): Promise<string> {
      try {
        const nonce = NONCE_LINE.exec(input.challenge)?.[1];
        if (!nonce) throw new SignInFailure('malformed_challenge');
        let stored: string | null;
        try {
          // Taken before the signature is checked: a challenge is burnt by its first use, good or bad.
          stored = await deps.store.take(nonceKey(input.stellarAddress, nonce));
        } catch {
          throw ERR_AUTH_STORE_DOWN();
        }
        if (stored === null || stored !== input.challenge) throw new SignInFailure('unknown_or_used_challenge');
        const signature = Buffer.from(input.signature, 'base64');
        if (signature.length !== 64) throw new SignInFailure('malformed_signature');
        const valid = withSpan(SPAN.sep53Verify, {}, () =>
          Keypair.fromPublicKey(input.stellarAddress).verifyMessage(input.challenge, signature),
        );
        if (!valid) {
          throw new SignInFailure('invalid_signature');
        }
        const userId = await withTransaction(deps.pool, async (client) => {
          const id = await upsertUser(client, input.stellarAddress);
          await deps.audit.write(client, {
            event: AUDIT.loginSuccess,
            result: 'success',
            userId: id,
            stellarAddress: input.stellarAddress,
            resource: 'session',
            action: 'login',
            ip: input.ip,
            userAgent: input.userAgent,
          });
          return id;
        });
        deps.metrics.authAttempt('success', 'ok');
        return userId;
      } catch (error) {
        if (!(error instanceof SignInFailure)) throw error;
        deps.metrics.authAttempt('failure', error.reason);
        await deps.auditSecurity({
          event: AUDIT.loginFailure,
          result: 'failure',
          stellarAddress: input.stellarAddress,
          resource: 'session',
          action: 'login',
          reason: error.reason,
          ip: input.ip,
          userAgent: input.userAgent,
        });
        throw ERR_UNAUTHORIZED(error.reason);
      }
    },
  };
}
