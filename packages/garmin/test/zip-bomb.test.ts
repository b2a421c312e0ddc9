/**
 * The FIT download is outside input: an archive whose entry inflates hugely (a zip bomb), or whose
 * header lies about its size, is refused with a clear error; zlib never inflates past the budget
 * or the declared size, so memory stays bounded. The client does not retry such an answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDeflateRaw } from 'node:zlib';
import { FakeRuntime } from '@fitsync/runtime/fake';
import {
  extractFitFromZip,
  GarminApi,
  type GarminTokens,
  MAX_UNZIPPED_BYTES,
  readZip,
  Transport,
  writeZip,
  ZipTooLargeError,
} from '../src/index.js';
import { startScripted } from './helpers/scripted-server.js';

const MiB = 1024 * 1024;

/** Deflates `mib` MiB of zeros a MiB at a time: a bomb built without holding it in memory. */
async function deflatedZeros(mib: number): Promise<Buffer> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) z.write(chunk);
  z.end();
  await done;
  return Buffer.concat(out);
}

/** A one-entry deflate zip around already compressed bytes, declaring `size` (CRC left 0: never reached). */
function zipAround(name: string, comp: Buffer, size: number): Buffer {
  const n = Buffer.from(name, 'latin1');
  const loc = Buffer.alloc(30);
  loc.writeUInt32LE(0x04034b50, 0);
  loc.writeUInt16LE(20, 4);
  loc.writeUInt16LE(8, 8);
  loc.writeUInt32LE(comp.length, 18);
  loc.writeUInt32LE(size, 22);
  loc.writeUInt16LE(n.length, 26);
  const cen = Buffer.alloc(46);
  cen.writeUInt32LE(0x02014b50, 0);
  cen.writeUInt16LE(20, 6);
  cen.writeUInt16LE(8, 10);
  cen.writeUInt32LE(comp.length, 20);
  cen.writeUInt32LE(size, 24);
  cen.writeUInt16LE(n.length, 28);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(30 + n.length + comp.length, 16);
  return Buffer.concat([loc, n, comp, cen, n, eocd]);
}

/** The central directory's uncompressed size of the first entry, overwritten. */
function declareSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  const cen = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  out.writeUInt32LE(size, cen + 24);
  return out;
}

describe('zip bombs', () => {
  test('an entry declaring more than the budget is refused before inflating', async () => {
    const mib = MAX_UNZIPPED_BYTES / MiB + 1;
    const bomb = zipAround('1_ACTIVITY.fit', await deflatedZeros(mib), mib * MiB);
    assert.ok(bomb.length < 200 * 1024, 'a small download');
    assert.throws(
      () => extractFitFromZip(bomb, '1'),
      (err: unknown) => err instanceof ZipTooLargeError && /declares 68157440 bytes, over the limit of 67108864/.test(err.message),
    );
  });

  test('a header lying about its size: inflating stops at the declared size', () => {
    const zip = writeZip([{ name: 'a.fit', data: Buffer.alloc(8 * MiB) }]);
    assert.throws(
      () => readZip(declareSize(zip, 1000)),
      (err: unknown) => err instanceof ZipTooLargeError && /inflates past its declared 1000 bytes/.test(err.message),
    );
  });

  test('the budget counts all entries together', () => {
    const zip = writeZip([
      { name: 'a.txt', data: Buffer.alloc(600 * 1024) },
      { name: 'b.fit', data: Buffer.alloc(600 * 1024) },
    ]);
    assert.equal(readZip(zip, { maxBytes: 2 * MiB }).length, 2);
    assert.throws(() => readZip(zip, { maxBytes: MiB }), /zip entry b\.fit declares 614400 bytes, over the limit of 1048576/);
  });

  test('GarminApi.downloadFit refuses a bomb once, without retrying it', { timeout: 10_000 }, async () => {
    const bomb = declareSize(writeZip([{ name: '5_ACTIVITY.fit', data: Buffer.alloc(4 * MiB) }]), 2000);
    const server = await startScripted([
      (_req, res) => res.writeHead(200, { 'content-type': 'application/x-zip-compressed' }).end(bomb),
    ]);
    const http = new Transport({ timeoutMs: 5000 });
    const now = Date.UTC(2026, 5, 1);
    const tokens: GarminTokens = { accessToken: 'at', refreshToken: 'rt', expiresAt: now + 3600_000, clientId: 'CID' };
    try {
      const api = new GarminApi({ tokens, endpoints: { apiUrl: server.url }, http, runtime: new FakeRuntime({ now }) });
      const err = await api.downloadFit('5').catch((e: unknown) => e);
      assert.ok(err instanceof Error);
      assert.equal((err as { code?: string }).code, 'unexpected_answer');
      assert.match(err.message, /FIT download refused: zip entry 5_ACTIVITY\.fit inflates past its declared 2000 bytes/);
      assert.equal(server.seen.length, 1);
      assert.deepEqual(server.failures, []);
    } finally {
      http.close();
      await server.close();
    }
  });
});
