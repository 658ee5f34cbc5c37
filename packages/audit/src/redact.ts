/**
 * Redaction and sanitising. Secrets are replaced wherever they appear in free
 * text; keys that name a secret lose their value; control characters are
 * escaped so a value cannot forge a second log line.
 */

export const REDACTED = '[REDACTED]';

const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
// A Stellar secret seed: S + 55 base32 characters (StrKey).
const STELLAR_SEED = /\bS[A-Z2-7]{55}\b/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/=-]+/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/gi;
const SECRET_ASSIGNMENT =
  /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** Metadata keys whose values are always dropped (compared lower-case, without `-`/`_`, by suffix). */
const SECRET_KEY_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'seed',
  'privatekey',
  'jwt',
  'signature',
  'cookie',
  'authorization',
];

/** True for keys such as `password`, `Authorization`, `set-cookie`, `accessToken`, `secret_seed`. */
export function isSecretKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEY_SUFFIXES.some((suffix) => normal.endsWith(suffix));
}

export const LIMITS = {
  stringLength: 1024,
  userAgentLength: 512,
  keyLength: 64,
  keysPerObject: 50,
  arrayItems: 50,
  depth: 5,
  metadataBytes: 8192,
} as const;

/** Replaces secrets in free text. */
export function redactSecrets(text: string): string {
  return text
    .replace(JWT, `${REDACTED}`)
    .replace(STELLAR_SEED, `${REDACTED}`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(SECRET_ASSIGNMENT, `$1$2${REDACTED}`);
}

/** Escapes CR, LF and other control characters (no forged log lines). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Redacts, escapes and bounds one string. */
export function sanitizeString(text: string, maxLength: number = LIMITS.stringLength): string {
  const clean = escapeControl(redactSecrets(text));
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…[truncated]` : clean;
}

function sanitizeValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return sanitizeString(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= LIMITS.depth) return '[depth limit]';
  if (Array.isArray(value)) {
    const items = value.slice(0, LIMITS.arrayItems).map((item) => sanitizeValue(item, depth + 1));
    if (value.length > LIMITS.arrayItems) items.push(`[${value.length - LIMITS.arrayItems} more]`);
    return items;
  }
  if (typeof value === 'object') return sanitizeObject(value as Record<string, unknown>, depth + 1);
  return undefined; // functions, symbols, undefined
}

function sanitizeObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [rawKey, value] of Object.entries(object)) {
    if (count >= LIMITS.keysPerObject) {
      out._truncatedKeys = Object.keys(object).length - LIMITS.keysPerObject;
      break;
    }
    const key = sanitizeString(rawKey, LIMITS.keyLength);
    if (isSecretKey(rawKey)) {
      out[key] = REDACTED;
    } else {
      const clean = sanitizeValue(value, depth);
      if (clean === undefined) continue;
      out[key] = clean;
    }
    count++;
  }
  return out;
}

/**
 * Sanitises event metadata: secrets redacted (by key and by pattern), control
 * characters escaped, strings, keys, arrays and depth bounded, and the whole
 * object capped at `LIMITS.metadataBytes` of JSON.
 */
export function sanitizeMetadata(metadata: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (metadata === null || metadata === undefined) return {};
  const clean = sanitizeObject(metadata, 0);
  const size = Buffer.byteLength(JSON.stringify(clean));
  if (size > LIMITS.metadataBytes) return { _truncated: true, _bytes: size };
  return clean;
}

/** A connection string with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'xxxxx';
    return parsed.toString();
  } catch {
    return redactSecrets(url);
  }
}
