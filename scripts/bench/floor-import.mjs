// The import benchmark's floor (`node scripts/bench/floor-import.mjs ARCHIVE`): streams a Garmin
// export with yauzl, opens every nested .zip (the uploaded-files parts; read whole: the fastest way
// to give yauzl random access, and the floor only has to be fast), and hashes every .fit member
// with sha256. Nothing is parsed, matched or stored: the least any import of the archive must do.
// Prints one JSON line {s, fits, bytes}.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const open = promisify(yauzl.open);
const fromBuffer = promisify(yauzl.fromBuffer);

function readStream(zf, entry) {
  return new Promise((resolve, reject) => zf.openReadStream(entry, (err, rs) => (err ? reject(err) : resolve(rs))));
}

async function eachEntry(zf, fn) {
  await new Promise((resolve, reject) => {
    zf.on('entry', (e) => fn(e).then(() => zf.readEntry(), reject));
    zf.on('end', resolve);
    zf.on('error', reject);
    zf.readEntry();
  });
}

const counts = { fits: 0, bytes: 0 };

async function walk(zf) {
  await eachEntry(zf, async (e) => {
    const name = e.fileName.toLowerCase();
    if (!name.endsWith('.zip') && !name.endsWith('.fit')) return;
    const rs = await readStream(zf, e);
    if (name.endsWith('.fit')) {
      const h = createHash('sha256');
      for await (const c of rs) h.update(c);
      h.digest('hex');
      counts.fits++;
      counts.bytes += e.uncompressedSize;
      return;
    }
    const chunks = [];
    for await (const c of rs) chunks.push(c);
    await walk(await fromBuffer(Buffer.concat(chunks), { lazyEntries: true }));
  });
}

const t0 = performance.now();
await walk(await open(process.argv[2], { lazyEntries: true }));
process.stdout.write(`${JSON.stringify({ s: (performance.now() - t0) / 1000, ...counts })}\n`);
