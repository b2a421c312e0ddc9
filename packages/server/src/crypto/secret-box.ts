import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
/** GCM's full tag. Without pinning it, a decipher accepts a tag cut to 4 bytes: a forgery then needs ~2^32 tries, not 2^128. */
const TAG_BYTES = 16;
const IV_BYTES = 12;

/**
 * Authenticated encryption of secrets at rest (TOTP secrets, Garmin tokens) with AES-256-GCM
 * under a key derived from the server key. Output is text: `v1.<iv>.<tag>.<ciphertext>` (base64url),
 * so it fits a TEXT column on both engines. `context` is bound as associated data, so a value
 * encrypted for one purpose/row cannot be swapped into another.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly hashKey: Buffer;

  constructor(serverKey: Uint8Array) {
    this.key = deriveKey(serverKey, 'fitsync secret-box v1');
    this.hashKey = deriveKey(serverKey, 'fitsync keyed-hash v1');
  }

  /**
   * HMAC-SHA-256 (hex) of `value` under a subkey of the server key, for looking rows up by a
   * personal value (a Garmin e-mail) without storing it: without the server key the hash cannot be
   * tested against guessed values. `context` separates purposes.
   */
  keyedHash(value: string, context: string): string {
    return createHmac('sha256', this.hashKey).update(`${context}\u0000${value}`, 'utf8').digest('hex');
  }

  /** Encrypts `plaintext`; `context` (e.g. `totp:<user_id>`) must be given again to open it. */
  seal(plaintext: string | Uint8Array, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join('.');
  }

  /** Decrypts a sealed value; throws if it was tampered with or sealed under another key/context. */
  open(sealed: string, context = ''): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('malformed sealed value');
    const iv = Buffer.from(parts[1]!, 'base64url');
    const tag = Buffer.from(parts[2]!, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]);
  }

  /** Like `open`, returning UTF-8 text. */
  openText(sealed: string, context = ''): string {
    return this.open(sealed, context).toString('utf8');
  }
}

/** HKDF-SHA-256 subkey of the server key for one purpose (RFC 5869), so no key is used twice. */
export function deriveKey(serverKey: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), info, 32));
}
