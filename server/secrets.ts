// Passwords, tokens and codes. All randomness comes from the CSPRNG (node:crypto).
import { createHash, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

/**
 * scrypt's cost for new hashes: N (PARLEY_SCRYPT_N), r and p. About 40 ms and 16 MiB a hash at the
 * default N on a current core. The parameters travel with each hash, so a hash keeps the cost it
 * was made with when N changes, and verifying it needs no setting.
 */
export const DEFAULT_SCRYPT_N = 16384;
export const SCRYPT_N_RANGE = { min: 1024, max: 131072 } as const;
const SCRYPT = { r: 8, p: 1, keylen: 32 };

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, keylen: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; node refuses more than maxmem (32 MiB by default).
  const maxmem = 2 * 128 * N * r;
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keylen, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url parts; the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string, N = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p), expected.length);
  return timingSafeEqual(key, expected);
}

/** Verifying against this keeps "unknown email" as slow as "wrong password" (one per cost). */
const dummyHashes = new Map<number, Promise<string>>();
export function dummyPasswordHash(N = DEFAULT_SCRYPT_N): Promise<string> {
  let hash = dummyHashes.get(N);
  if (!hash) dummyHashes.set(N, (hash = hashPassword(randomBytes(16).toString('hex'), N)));
  return hash;
}

const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A generated password: 20 characters (about 115 bits) without look-alike characters. */
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A password-reset code such as `K7QX-M2PD` (40 bits; single use, 10 minutes, 5 attempts). */
export function generateResetCode(): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

/** Codes are compared without dashes, spaces or case, as people type them. */
export function normalizeResetCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/** A bearer secret: 256 random bits with a prefix that says what it is (`pls_` session, `plt_` API token). */
export function generateToken(prefix: 'pls' | 'plt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function generateWidgetKey(): string {
  return `pk_${randomBytes(12).toString('base64url')}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
