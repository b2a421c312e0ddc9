import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job } from '../helpers/sync-stub-server.js';

describe('sync status: how a job ended', () => {
  const fixture = stubFixture();

  test('a job that did not fail shows its message as a note (cleaned for the terminal); none, a dash', async () => {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    stub.json('GET', '/v1/sync/jobs/latest', 200, job({ status: 'completed', progress: 100, message: 'nothing changed on Garmin\u001b[31m since the last run' }));
    stub.json('GET', '/v1/sync/jobs/latest', 200, job({ status: 'completed', progress: 100 }));
    const r = await runMain(['sync', 'status'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Note: +nothing changed on Garmin since the last run$/m);
    const none = await runMain(['sync', 'status'], { configDir: dir });
    assert.match(none.out, /^Note: +-$/m);
    stub.verify();
  });
});
