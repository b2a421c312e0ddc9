// Preloaded with `node --import` into a CLI child: records and blocks every DNS
// lookup and socket connect, so a test can prove a command made no network
// attempt at all. The log file is named by FITSYNC_TEST_NET_LOG.
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const log = process.env.FITSYNC_TEST_NET_LOG;
const record = (what) => {
  if (log) appendFileSync(log, `${what}\n`);
};
const origLookup = dns.lookup;
dns.lookup = function lookup(host, ...rest) {
  record(`lookup ${host}`);
  return origLookup.call(this, host, ...rest);
};
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  // node:net passes normalized [options, callback] arrays internally.
  const o = Array.isArray(args[0]) ? args[0][0] : args[0];
  record(`connect ${typeof o === 'object' && o !== null ? `${o.host ?? ''}:${o.port ?? o.path ?? ''}` : String(o)}`);
  return origConnect.apply(this, args);
};
