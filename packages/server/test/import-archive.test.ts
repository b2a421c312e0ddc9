import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { zipBuffer } from '@fitsync/garmin-sim';
import {
  type Archive,
  ArchiveError,
  type ArchiveLimits,
  type ArchiveProblem,
  DEFAULT_ARCHIVE_LIMITS,
  isZipMember,
  openArchive,
} from '../src/imports/archive/zip-archive.js';
import {
  asUploadedFilesPart,
  crcMismatchArchive,
  encryptedArchive,
  lyingSizeArchive,
  manyEntriesArchive,
  nestedArchive,
  notZipFiles,
  overlappingArchive,
  plainArchive,
  ratioBombArchive,
  symlinkArchive,
  truncated,
  UNSAFE_NAMES,
  type UnsafeNameKind,
  unsafeNameArchive,
  unsupportedMethodArchive,
  writeArchive,
  writeZip64Archive,
} from './helpers/hostile-archives.js';

const MIB = 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'fitsync-archive-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function file(bytes: Uint8Array): string {
  fileNo += 1;
  return writeArchive(join(tmp, 'in', `${fileNo}.zip`), bytes);
}
function scratch(): string {
  fileNo += 1;
  return join(tmp, 'scratch', String(fileNo));
}
function open(path: string, limits?: Partial<ArchiveLimits>, signal?: AbortSignal): Promise<Archive> {
  return openArchive(path, { tmpDir: scratch(), limits, signal });
}

async function refusal(p: Promise<unknown>, problem: ArchiveProblem): Promise<ArchiveError> {
  const err = await p.then(
    () => assert.fail(`expected an ArchiveError(${problem})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ArchiveError, `not an ArchiveError: ${String(err)}`);
  assert.equal(err.problem, problem, err.message);
  assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace in the message');
  return err;
}

async function drain(stream: Readable): Promise<{ bytes: number; crc: number }> {
  let bytes = 0;
  let crc = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    crc = crc32(chunk, crc);
  }
  return { bytes, crc };
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function byName(a: Archive, name: string) {
  const e = a.entries.find((x) => x.name === name);
  assert.ok(e, `no member ${name}`);
  return e;
}

describe('reading archives', () => {
  test('a plain archive: entries in central-directory order, read and streamed members, directories', async () => {
    const json = Buffer.from('{"calendarDate":"2024-06-01"}');
    const big = Buffer.alloc(3 * MIB);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const a = await open(
      file(
        await plainArchive([
          { name: 'DI_CONNECT/', data: Buffer.alloc(0), opts: { method: 'store' } },
          { name: 'DI_CONNECT/UDSFile_2024-06-01_2024-06-03.json', data: json },
          { name: 'DI_CONNECT/big.bin', data: big, opts: { method: 'store' } },
          { name: 'DI_CONNECT/Part1.ZIP', data: await zipBuffer([]) },
        ]),
      ),
    );
    try {
      assert.equal(a.depth, 0);
      assert.deepEqual(
        a.entries.map((e) => [e.name, e.index, e.isDirectory]),
        [
          ['DI_CONNECT/', 0, true],
          ['DI_CONNECT/UDSFile_2024-06-01_2024-06-03.json', 1, false],
          ['DI_CONNECT/big.bin', 2, false],
          ['DI_CONNECT/Part1.ZIP', 3, false],
        ],
      );
      assert.deepEqual(a.entries.map(isZipMember), [false, false, false, true]);
      assert.deepEqual(await a.read(a.entries[1]!, 1000), json);
      assert.equal(a.entries[2]!.size, big.length);
      assert.deepEqual(await drain(await a.stream(a.entries[2]!)), { bytes: big.length, crc: crc32(big) });
      assert.equal((await a.read(a.entries[0]!, 10)).length, 0);
      const empty = await a.openNested(a.entries[3]!);
      assert.deepEqual(empty.entries, []);
    } finally {
      await a.close();
    }
  });

  test('read refuses a member bigger than its limit (too_large) before reading it', async () => {
    const a = await open(file(await plainArchive([{ name: 'sleep.json', data: Buffer.alloc(5000, 'z') }])));
    try {
      const err = await refusal(a.read(a.entries[0]!, 4999), 'too_large');
      assert.match(err.message, /member "sleep\.json" is bigger than the 4\.9 KiB allowed/);
      assert.equal(err.entryIndex, 0);
      assert.equal((await a.read(a.entries[0]!, 5000)).length, 5000);
    } finally {
      await a.close();
    }
  });

  test('members stream concurrently from one file; a wide central directory opens quickly', async () => {
    const members = Array.from({ length: 60_000 }, (_, i) => ({ name: `DI_CONNECT/f/${i}.json`, data: Buffer.from(`{"i":${i}}`), opts: { method: 'store' as const } }));
    const a = await open(file(await plainArchive(members)));
    try {
      assert.equal(a.entries.length, 60_000);
      const picks = [0, 12_345, 59_999].map((i) => a.entries[i]!);
      const texts = await Promise.all(picks.map((e) => a.read(e, 100)));
      assert.deepEqual(
        texts.map((t) => t.toString()),
        ['{"i":0}', '{"i":12345}', '{"i":59999}'],
      );
    } finally {
      await a.close();
    }
  });

  test('ZIP64: sizes and offsets from the Zip64 extra field and end record', async () => {
    const data = Buffer.from('zip64 member');
    const a = await open(writeZip64Archive(join(tmp, 'z64.zip'), [{ name: 'a.json', data }, { name: 'b.json', data: Buffer.from('second') }]));
    try {
      assert.deepEqual(
        a.entries.map((e) => [e.name, e.size]),
        [
          ['a.json', data.length],
          ['b.json', 6],
        ],
      );
      assert.deepEqual(await a.read(a.entries[0]!, 100), data);
      assert.equal((await a.read(a.entries[1]!, 100)).toString(), 'second');
    } finally {
      await a.close();
    }
  });

  test('an archive over 4 GiB (sparse on disk): a member after the 4 GiB mark is read', async (t) => {
    const path = writeZip64Archive(join(tmp, 'huge.zip'), [
      { name: 'DI_CONNECT/big.bin', holeBytes: 4.5 * 2 ** 30 },
      { name: 'DI_CONNECT/after.json', data: Buffer.from('{"past":"4 GiB"}') },
    ]);
    if (statSync(path).blocks * 512 > 64 * MIB) t.diagnostic('the file system does not keep holes: the test file takes real space');
    const a = await open(path);
    try {
      const after4g = byName(a, 'DI_CONNECT/after.json');
      assert.equal((await a.read(after4g, 100)).toString(), '{"past":"4 GiB"}');
      const big = await a.stream(byName(a, 'DI_CONNECT/big.bin'));
      const first = (await big[Symbol.asyncIterator]().next()).value as Buffer;
      assert.ok(first.length > 0 && first.every((b) => b === 0));
      big.destroy();
    } finally {
      await a.close();
    }
    rmSync(path);
  });
});

describe('nested archives', () => {
  test('stored nested zip is read in place (nothing spilled), with data descriptors', async () => {
    for (const streamed of [false, true]) {
      const tmpDir = scratch();
      const a = await openArchive(file(await nestedArchive(1, { method: 'store', streamed })), { tmpDir });
      try {
        const part = a.entries.find(isZipMember)!;
        assert.equal(part.size, part.compressedSize);
        const inner = await a.openNested(part);
        assert.equal(inner.depth, 1);
        assert.equal(inner.entries[0]!.name, 'user@example.com_100000001.fit');
        assert.equal((await inner.read(inner.entries[0]!, 100)).toString(), 'fit bytes at the bottom');
        assert.equal(existsSync(tmpDir), false, 'a stored nested zip costs no disk');
      } finally {
        await a.close();
      }
    }
  });

  test('deflated nested zip is spilled once, reopened for free, removed on close', async () => {
    const tmpDir = scratch();
    const a = await openArchive(file(await nestedArchive(1, { method: 'deflate' })), { tmpDir });
    const part = a.entries.find(isZipMember)!;
    assert.ok(part.compressedSize < part.size);
    const first = await a.openNested(part);
    const spilled = readdirSync(tmpDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    assert.equal(spilled.length, 1);
    assert.doesNotMatch(spilled[0]!.name, /UploadedFiles|example/, 'spill files are not named after members');
    const mtime = statSync(join(spilled[0]!.parentPath, spilled[0]!.name)).mtimeMs;
    await first.close();
    const second = await a.openNested(part);
    assert.equal((await second.read(second.entries[0]!, 100)).toString(), 'fit bytes at the bottom');
    assert.equal(statSync(join(spilled[0]!.parentPath, spilled[0]!.name)).mtimeMs, mtime, 'not written again');
    await a.close();
    assert.deepEqual(readdirSync(tmpDir), [], 'spilled files removed on close');
    await assert.rejects(second.stream(second.entries[0]!), /closed/, 'nested archives close with their parent');
  });

  test('ten levels deep: readable with maxDepth 10, refused past the default depth (too_deep)', async () => {
    const bytes = await nestedArchive(10, { method: 'alternate' });
    const walk = async (a: Archive): Promise<Archive> => {
      let cur = a;
      while (cur.entries.some(isZipMember)) cur = await cur.openNested(cur.entries.find(isZipMember)!);
      return cur;
    };
    const deep = await open(file(bytes), { maxDepth: 10 });
    try {
      const bottom = await walk(deep);
      assert.equal(bottom.depth, 10);
      assert.equal((await bottom.read(bottom.entries[0]!, 100)).toString(), 'fit bytes at the bottom');
    } finally {
      await deep.close();
    }
    const shallow = await open(file(bytes));
    try {
      const err = await refusal(walk(shallow), 'too_deep');
      assert.match(err.message, /nested 4 levels deep, more than the 3 allowed/);
    } finally {
      await shallow.close();
    }
    assert.equal(DEFAULT_ARCHIVE_LIMITS.maxDepth, 3);
  });

  test('the byte budget is shared by the whole tree: declared at open, actual while streaming', async () => {
    const payload = { name: 'data.json', data: Buffer.alloc(600 * 1024, 'x') };
    const inner = await zipBuffer([payload]);
    const outer = await zipBuffer([
      { name: 'a/Part1.zip', data: inner, opts: { method: 'store' } },
      { name: 'a/Part2.zip', data: inner },
    ]);
    const a = await open(file(outer), { maxTotalBytes: 1000 * 1024 });
    try {
      const one = await a.openNested(a.entries[0]!);
      assert.equal((await one.read(one.entries[0]!, MIB)).length, payload.data.length);
      // Spilling Part2 counts its inflated bytes, then its member declares more than is left.
      const err = await refusal(a.openNested(a.entries[1]!), 'zip_bomb');
      assert.match(err.message, /nested archive "a\/Part2\.zip" would unpack to more than the [\d.]+ KiB still allowed/);
      // Reading the same member again is more bytes read: the budget runs out while it flows.
      const spent = await refusal(drain(await one.stream(one.entries[0]!)), 'zip_bomb');
      assert.match(spent.message, /member "data\.json" takes the archive past 1000 KiB unpacked, the limit/);
    } finally {
      await a.close();
    }
  });
});

describe('hostile archives are refused with a clear reason', () => {
  for (const kind of Object.keys(UNSAFE_NAMES) as UnsafeNameKind[]) {
    test(`unsafe name: ${kind}`, async () => {
      const err = await refusal(open(file(await unsafeNameArchive(kind))), 'unsafe_path');
      assert.equal(err.entryIndex, 1);
      assert.match(err.message, /^the archive: member ".*" has an unsafe name \(.+\)$/s);
      assert.doesNotMatch(err.message, /[\u0000-\u001f]/, 'control characters removed');
    });
  }

  test('a long member name is shortened in the message (80 characters at most)', async () => {
    const name = `../${'DI_CONNECT/'.repeat(20)}user@example.com_1.fit`;
    const err = await refusal(open(file(await zipBuffer([{ name, data: Buffer.from('x') }]))), 'unsafe_path');
    const shown = /member "(.*)"/.exec(err.message)![1]!;
    assert.ok(shown.length <= 80, shown);
    assert.ok(shown.endsWith('user@example.com_1.fit'));
  });

  test('symlink member', async () => {
    const err = await refusal(open(file(await symlinkArchive())), 'symlink');
    assert.match(err.message, /member "DI_CONNECT\/link" is a symbolic link/);
  });

  test('encrypted member', async () => {
    await refusal(open(file(await encryptedArchive())), 'encrypted');
  });

  test('unsupported compression methods (bzip2, LZMA)', async () => {
    const err = await refusal(open(file(await unsupportedMethodArchive(12))), 'unsupported');
    assert.match(err.message, /bzip2; only stored and deflated/);
    await refusal(open(file(await unsupportedMethodArchive(14))), 'unsupported');
  });

  test('too many entries', async () => {
    const path = file(await manyEntriesArchive(101));
    const err = await refusal(open(path, { maxEntries: 100 }), 'too_many_entries');
    assert.match(err.message, /101 members, more than the 100 allowed/);
    const a = await open(path, { maxEntries: 101 });
    assert.equal(a.entries.length, 101);
    await a.close();
  });

  test('ratio bomb: 100 MB of zeros refused at open from its declared ratio', async () => {
    const bomb = await ratioBombArchive();
    assert.ok(bomb.length < 500 * 1024, 'small on disk');
    const err = await refusal(open(file(bomb)), 'zip_bomb');
    assert.match(err.message, /would expand more than 250 times/);
  });

  test('ratio bomb with a relaxed ratio streams within the budget, and fails the budget when lower', async () => {
    const path = file(await ratioBombArchive());
    const relaxed = await open(path, { maxRatio: 5000 });
    try {
      const { bytes, crc } = await drain(await relaxed.stream(relaxed.entries[1]!));
      assert.equal(bytes, 100 * MIB);
      assert.equal(crc, crc32(Buffer.alloc(100 * MIB)));
    } finally {
      await relaxed.close();
    }
    await refusal(open(path, { maxRatio: 5000, maxTotalBytes: 50 * MIB }), 'zip_bomb');
  });

  test('lying sizes: more bytes than declared (bomb) and fewer (damaged)', async () => {
    const bigger = await open(file(await lyingSizeArchive('bigger')));
    try {
      const err = await refusal(drain(await bigger.stream(bigger.entries[1]!)), 'zip_bomb');
      assert.match(err.message, /holds more data than its header declares/);
      await refusal(bigger.read(bigger.entries[1]!, MIB), 'zip_bomb');
    } finally {
      await bigger.close();
    }
    // A bomb whose header declares a modest size: the declared checks pass, the stream stops it.
    const liar = await open(file(await ratioBombArchive(100 * MIB, { declaredSize: 2 * MIB })));
    try {
      const err = await refusal(drain(await liar.stream(liar.entries[1]!)), 'zip_bomb');
      assert.match(err.message, /more data than its header declares \(2 MiB\)/);
    } finally {
      await liar.close();
    }
    const smaller = await open(file(await lyingSizeArchive('smaller')));
    try {
      const err = await refusal(drain(await smaller.stream(smaller.entries[1]!)), 'corrupt');
      assert.match(err.message, /holds less data than its header declares/);
    } finally {
      await smaller.close();
    }
  });

  test('overlapping members (the "better zip bomb" construction)', async () => {
    const err = await refusal(open(file(await overlappingArchive())), 'zip_bomb');
    assert.match(err.message, /overlaps another member/);
  });

  test('CRC-32 mismatch, deflated and stored', async () => {
    for (const method of ['deflate', 'store'] as const) {
      const a = await open(file(await crcMismatchArchive(method)));
      try {
        const err = await refusal(a.read(a.entries[1]!, 1000), 'corrupt');
        assert.match(err.message, /member "bad-crc\.json" is damaged \(CRC-32 mismatch\)/);
      } finally {
        await a.close();
      }
    }
  });

  test('damaged deflate data', async () => {
    const buf = await plainArchive([{ name: 'a.json', data: Buffer.alloc(50_000, 'q') }]);
    buf.fill(0xff, 40, 80);
    const a = await open(file(buf));
    try {
      await refusal(a.read(a.entries[0]!, MIB), 'corrupt');
    } finally {
      await a.close();
    }
  });

  test('not a zip: empty, an HTML page, random bytes, text starting with PK', async () => {
    const files = notZipFiles();
    const empty = await refusal(open(file(files.empty)), 'not_a_zip');
    assert.match(empty.message, /empty/);
    const html = await refusal(open(file(files.html)), 'not_a_zip');
    assert.match(html.message, /web page/);
    await refusal(open(file(files.random)), 'not_a_zip');
    await refusal(open(file(files.pk_prefix_text)), 'not_a_zip');
  });

  test('truncated anywhere: in the first bytes, in member data, in the central directory, in the end record', async () => {
    const whole = await plainArchive([
      { name: 'a.json', data: Buffer.alloc(20_000, 'a') },
      { name: 'b.bin', data: Buffer.alloc(20_000, 7), opts: { method: 'store' } },
      { name: 'c.json', data: Buffer.from('{}') },
    ]);
    const cd = whole.readUInt32LE(whole.length - 6);
    for (const at of [1, 3, 4, 30, 100, 10_000, cd - 1, cd, cd + 10, whole.length - 22, whole.length - 10, whole.length - 1]) {
      const err = await refusal(open(file(truncated(whole, at))), 'truncated');
      assert.match(err.message, /incomplete/, `cut at ${at}`);
    }
  });

  test('truncated archives with nested zips are refused (truncated or corrupt), never opened', async () => {
    const whole = await nestedArchive(2, { method: 'store', streamed: true });
    for (let at = 1; at < whole.length; at += 37) {
      const err = await open(file(truncated(whole, at))).then(
        async (a) => {
          await a.close();
          return assert.fail(`cut at ${at} opened`);
        },
        (e: unknown) => e,
      );
      assert.ok(err instanceof ArchiveError && (err.problem === 'truncated' || err.problem === 'corrupt'), `cut at ${at}: ${String(err)}`);
    }
  });

  test('a damaged central directory', async () => {
    const buf = await plainArchive([{ name: 'a.json', data: Buffer.from('{}') }, { name: 'b.json', data: Buffer.from('{}') }]);
    const cd = buf.readUInt32LE(buf.length - 6);
    buf.writeUInt32LE(0x12345678, cd);
    const err = await refusal(open(file(buf)), 'corrupt');
    assert.match(err.message, /damaged or incomplete/);
  });

  test('a nested zip that is not one is refused with its name', async () => {
    const a = await open(file(await zipBuffer([{ name: 'fake.zip', data: Buffer.from('<html>not a zip</html>') }])));
    try {
      const err = await refusal(a.openNested(a.entries[0]!), 'not_a_zip');
      assert.match(err.message, /^nested archive "fake\.zip" is not a zip archive/);
    } finally {
      await a.close();
    }
  });

  test('hostile members inside a nested archive are refused when it is opened', async () => {
    for (const method of ['store', 'deflate'] as const) {
      const a = await open(file(await asUploadedFilesPart(await symlinkArchive(), method)));
      try {
        const err = await refusal(a.openNested(a.entries.find(isZipMember)!), 'symlink');
        assert.match(err.message, /^nested archive ".*UploadedFiles_0-_Part1\.zip": member "DI_CONNECT\/link" is a symbolic link/);
      } finally {
        await a.close();
      }
    }
    // A bomb one level down is refused when its part is opened, before a byte of it is inflated.
    const bomb = await open(file(await asUploadedFilesPart(await ratioBombArchive())));
    try {
      await refusal(bomb.openNested(bomb.entries.find(isZipMember)!), 'zip_bomb');
    } finally {
      await bomb.close();
    }
  });
});

describe('aborts, closing and file descriptors', () => {
  test('an abort stops a stream, a spill and an open with an AbortError', async () => {
    const path = file(await ratioBombArchive());
    const a = await open(path, { maxRatio: 5000 });
    try {
      const ac = new AbortController();
      const s = await a.stream(a.entries[1]!, ac.signal);
      let seen = 0;
      const done = (async () => {
        for await (const chunk of s as AsyncIterable<Buffer>) {
          seen += chunk.length;
          if (seen > MIB) ac.abort();
        }
      })();
      await assert.rejects(done, { name: 'AbortError' });
      assert.ok(seen < 100 * MIB);
      await assert.rejects(a.stream(a.entries[1]!, ac.signal), { name: 'AbortError' });
    } finally {
      await a.close();
    }
    await assert.rejects(open(path, {}, AbortSignal.abort()), { name: 'AbortError' });

    const nested = await open(file(await nestedArchive(1, { method: 'deflate' })));
    try {
      await assert.rejects(nested.openNested(nested.entries.find(isZipMember)!, AbortSignal.abort()), { name: 'AbortError' });
    } finally {
      await nested.close();
    }
  });

  test('close ends streams a caller abandoned; later use fails plainly', async () => {
    const a = await open(file(await ratioBombArchive()), { maxRatio: 5000 });
    const s = await a.stream(a.entries[1]!);
    await s[Symbol.asyncIterator]().next();
    // Nobody listens to this one at all: its abort must not become an uncaught 'error' event.
    const ac = new AbortController();
    const unheard = await a.stream(a.entries[0]!, ac.signal);
    ac.abort();
    await new Promise((r) => setImmediate(r));
    assert.equal(unheard.destroyed, true);
    await a.close();
    assert.equal(s.destroyed, true);
    await assert.rejects(a.stream(a.entries[1]!), /closed/);
    await a.close();
  });

  test('file descriptors return to their count after successes, refusals, aborts and abandoned streams', async () => {
    const inputs = {
      nested: file(await nestedArchive(3, { method: 'alternate', streamed: true })),
      bomb: file(await ratioBombArchive()),
      crc: file(await crcMismatchArchive()),
      bad: [
        file(await symlinkArchive()),
        file(await unsafeNameArchive('dotdot')),
        file(await encryptedArchive()),
        file(notZipFiles().html),
        file(truncated(await nestedArchive(1), 100)),
        file(await overlappingArchive()),
      ],
    };
    const before = openFds();
    for (let round = 0; round < 3; round++) {
      for (const bad of inputs.bad) await open(bad).then((a) => a.close(), () => undefined);
      await open(inputs.bomb).then((a) => a.close(), () => undefined);

      const a = await open(inputs.nested);
      let cur: Archive = a;
      while (cur.entries.some(isZipMember)) cur = await cur.openNested(cur.entries.find(isZipMember)!);
      await cur.read(cur.entries[0]!, 100);
      // Abandoned mid-way, never destroyed by its caller.
      await (await a.stream(a.entries[0]!))[Symbol.asyncIterator]().next();
      await a.close();

      const c = await open(inputs.crc);
      await c.read(c.entries[1]!, 1000).catch(() => undefined);
      await c.close();

      const b = await open(inputs.bomb, { maxRatio: 5000 });
      const ac = new AbortController();
      const s = await b.stream(b.entries[1]!, ac.signal);
      await s[Symbol.asyncIterator]().next();
      ac.abort();
      await b.close();
    }
    // FileHandle.close resolves after the descriptor is released; give pending closes one turn.
    await new Promise((r) => setImmediate(r));
    assert.equal(openFds(), before);
  });
});
