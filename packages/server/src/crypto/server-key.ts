import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const KEY_FILE_NAME = 'secret.key';

/**
 * The server key: from FITSYNC_SECRET_KEY when set, else from `<dataDir>/secret.key`, generated
 * (256 random bits, mode 0600) on first start. Creation uses O_EXCL so two processes starting at
 * once end up with the same key.
 */
export function loadServerKey(secretKey: string | undefined, dataDir: string): Buffer {
  if (secretKey !== undefined) return Buffer.from(secretKey, 'utf8');
  const file = join(dataDir, KEY_FILE_NAME);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 32) throw new Error(`key file ${file} is too short; delete it to generate a new one`);
  return Buffer.from(text, 'utf8');
}
