/**
 * Redaction and sanitising. Secrets are replaced wherever they appear in free
 * text; keys that name a secret lose their value; control characters are
 * escaped so a value cannot forge a second log line.
 */

export const REDACTED = '[REDACTED]';

// A JWS/JWT: base64url('{"') header, payload, signature (possibly empty: `alg: none`). No word
// boundary: a token glued to other text is still a token.
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
// A Stellar secret seed by shape: S + 55 base32 characters (StrKey), standing alone.
const STELLAR_SEED = /(?<![A-Z2-7])S[A-Z2-7]{55}(?![A-Z2-7])/g;
// Runs of base32 long enough to hide a seed glued to other capitals: checked by checksum.
const BASE32_RUN = /[A-Z2-7]{57,}/g;
// `<scheme> <credential>` in free text. Bearer has no word boundary (glued text is still a token);
// the other schemes are common words and keep one.
const AUTH_SCHEME =
  /(Bearer|\b(?:Basic|Digest|Token|Negotiate|NTLM|Kerberos|HOBA|Mutual|VAPID|SCRAM-SHA-1|SCRAM-SHA-256|AWS4-HMAC-SHA256|DPoP|ApiKey|OAuth)\b)(\s+)[A-Za-z0-9._~+/=-]+/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/\s]*@/gi;
const SECRET_ASSIGNMENT =
  /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi;
// A name (header, key, field) followed by `:` or `=`: its value is dropped when the name is secret-named.
const NAMED = /(?<![A-Za-z0-9_-])([A-Za-z0-9_-]+)(\\?["']?)([ \t]*)([:=])([ \t]*)/g;
/**
 * Escaped when stored or logged: C0 and C1 controls (U+0000–U+001F, U+007F–U+009F), the line and
 * paragraph separators (U+2028/2029), and the Unicode bidirectional marks, embeddings, overrides and
 * isolates (U+061C, U+200E/200F, U+202A–U+202E, U+2066–U+2069) that can make a line read differently.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

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

/** A string that reads as a secret-named header or key (`Authorization`, `set-cookie`, `x-api-key`). */
function isSecretHeaderName(value: unknown): boolean {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) && isSecretKey(value);
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

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// StrKey version byte of an ed25519 secret seed (18 << 3): it encodes as a leading `S`.
const SEED_VERSION = 18 << 3;

function crc16xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** True when the 56 characters are a StrKey secret seed (version byte and CRC16 checksum). */
function isSeed(text: string): boolean {
  const bytes = new Uint8Array(35);
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const char of text) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bytes[n++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (n !== 35 || bytes[0] !== SEED_VERSION) return false;
  const crc = crc16xmodem(bytes.subarray(0, 33));
  return bytes[33] === (crc & 0xff) && bytes[34] === crc >> 8;
}

/** Seeds glued to other base32 characters (`XYZSABC…`): found by their checksum. */
function redactGluedSeeds(text: string): string {
  return text.replace(BASE32_RUN, (run) => {
    let out = '';
    let i = 0;
    while (i < run.length) {
      if (run[i] === 'S' && i + 56 <= run.length && isSeed(run.slice(i, i + 56))) {
        out += REDACTED;
        i += 56;
      } else out += run[i++];
    }
    return out;
  });
}

/** Where the value after a `name:` / `name=` ends: a quoted string, or the line (`:`) or the token (`=`). */
function valueEnd(text: string, start: number, separator: string): number {
  const quote = text[start] === '\\' && (text[start + 1] === '"' || text[start + 1] === "'") ? 2 : 0;
  const open = quote ? text[start + 1] : text[start];
  if (open === '"' || open === "'") {
    for (let i = start + 1 + (quote ? 1 : 0); i < text.length; i++) {
      if (text[i] === '\\' && !quote) i++;
      else if (text[i] === open && (!quote || text[i - 1] === '\\')) return i + 1;
      else if (text[i] === '\r' || text[i] === '\n') return i;
    }
    return text.length;
  }
  const stop = separator === ':' ? /[\r\n]/ : /[\s"'&,;}]/;
  for (let i = start; i < text.length; i++) if (stop.test(text[i]!)) return i;
  return text.length;
}

/** Drops the value after any secret-named header or key in text (`Authorization: …`, `Set-Cookie: …`, `x-api-key=…`). */
function redactNamedValues(text: string): string {
  let out = '';
  let last = 0;
  NAMED.lastIndex = 0;
  for (let match = NAMED.exec(text); match !== null; match = NAMED.exec(text)) {
    if (!isSecretKey(match[1]!)) {
      // Let the next name start right after this separator (`a=Authorization: x`).
      NAMED.lastIndex = match.index + match[1]!.length + 1;
      continue;
    }
    const start = match.index + match[0].length;
    const end = valueEnd(text, start, match[4]!);
    if (end === start) continue;
    // A quoted value keeps its quotes (JSON text stays JSON).
    const open = /^\\?["']/.exec(text.slice(start, start + 2))?.[0] ?? '';
    const close = open && text.slice(end - open.length, end) === open && end - start > 2 * open.length ? open : '';
    out += `${text.slice(last, start)}${open}${REDACTED}${close}`;
    last = end;
    NAMED.lastIndex = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Replaces secrets in free text: the value after any secret-named header or key (`Authorization:`,
 * `Proxy-Authorization:`, `Cookie:`, `Set-Cookie:`, `X-Api-Key:`, `password=` …, whatever the scheme,
 * up to the end of the line or the closing quote), JWTs, `<scheme> <credential>` pairs, Stellar secret
 * seeds (standing alone, or glued to other capitals and found by checksum) and URL passwords.
 */
export function redactSecrets(text: string): string {
  return redactGluedSeeds(
    redactNamedValues(text)
      .replace(JWT, REDACTED)
      .replace(STELLAR_SEED, REDACTED)
      .replace(AUTH_SCHEME, `$1$2${REDACTED}`)
      .replace(URL_PASSWORD, `$1:${REDACTED}@`)
      .replace(SECRET_ASSIGNMENT, `$1$2${REDACTED}`),
  );
}

/** Escapes CR, LF, every C0/C1 control, U+2028/2029 and the bidi controls as `\n`, `\r`, `\uXXXX`. */
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
    // A flat [name, value, …] list (Node's req.rawHeaders): the item after a secret-named header goes.
    const items = value
      .slice(0, LIMITS.arrayItems)
      .map((item, i) => (i > 0 && isSecretHeaderName(value[i - 1]) ? REDACTED : sanitizeValue(item, depth + 1)));
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

// Raw in a JSON line only inside strings, where `\uXXXX` means the same: C1 controls, DEL, U+2028/2029, bidi.
const UNSAFE_IN_LINE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function redactDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) {
    return value.map((item, i) => (i > 0 && isSecretHeaderName(value[i - 1]) ? REDACTED : redactDeep(item, depth + 1)));
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = isSecretKey(key) ? REDACTED : redactDeep(item, depth + 1);
  return out;
}

/**
 * Makes one serialised JSON log line (pino's output) safe: every string redacted as `redactSecrets`
 * does, values of secret-named keys and of secret-named headers in `[name, value, …]` lists dropped,
 * and every C1 control, DEL, U+2028/2029 and bidi control written as a `\uXXXX` escape (JSON already
 * escapes C0). Returns a JSON line ending in `\n`; a line that is not JSON is only escaped. For pino:
 * `pino({ hooks: { streamWrite: redactLogLine } })`.
 */
export function redactLogLine(line: string): string {
  const escapeUnsafe = (text: string) =>
    text.replace(UNSAFE_IN_LINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return escapeUnsafe(redactSecrets(line));
  }
  return `${escapeUnsafe(JSON.stringify(redactDeep(parsed, 0)))}\n`;
}
