// A decode thread that dies on some files, for test/activities-decode-pool.test.ts: an uncaught
// throw on every file of even length, process.exit (which ends only this thread) on a file
// starting with 0xAD, and otherwise a decode like the real thread's (src/activities/decode-worker.ts).
import { parentPort } from 'node:worker_threads';
import { decodeFit } from '../../src/activities/fit-decode.js';

const port = parentPort!;
port.on('message', (bytes: Uint8Array) => {
  if (bytes.byteLength % 2 === 0) throw new Error('simulated decoder crash');
  if (bytes[0] === 0xad) process.exit(3);
  port.postMessage(decodeFit(bytes));
});
