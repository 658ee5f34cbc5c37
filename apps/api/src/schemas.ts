/**
 * JSON schemas shared by the route modules (one place, so no domain module
 * imports another's schemas).
 */

/** A catalog id (course, quiz): lower-case slug, 1–64 characters. */
export const slugId = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;

/** A row id the service generated (users, submissions, claims, credentials). */
export const uuid = { type: 'string', format: 'uuid' } as const;

/** Routes that need `Authorization: Bearer <JWT>`. */
export const bearerAuth = [{ bearerAuth: [] }] as const;

/** The on-chain job states a claim or a credential goes through. */
export const jobStatus = {
  type: 'string',
  enum: ['requested', 'submitted', 'confirmed', 'failed', 'expired'],
} as const;

/** The fields every on-chain job view carries (status and the ledger outcome). */
export const jobFields = {
  status: jobStatus,
  txHash: { type: ['string', 'null'] },
  ledger: { type: ['integer', 'null'] },
  resultCode: { type: ['string', 'null'] },
} as const;
