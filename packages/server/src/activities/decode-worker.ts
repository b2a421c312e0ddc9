// Entry of a FIT decode worker thread (src/activities/decode-pool.ts): decodes one file per
// message with the official SDK and answers the result ready to store, its records blob
// transferred back (not copied). The SDK is loaded here, never on the server's main thread.
import { parentPort } from 'node:worker_threads';
import { decodeFit } from './fit-decode.js';
import { transferable } from './transfer.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread of the decode pool');

port.on('message', (bytes: Uint8Array) => {
  // decodeFit never throws: a file the SDK rejects comes back with `error` set.
  const decoded = decodeFit(bytes);
  port.postMessage(decoded, transferable(decoded.records));
});
