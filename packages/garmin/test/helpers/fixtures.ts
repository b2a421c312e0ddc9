/**
 * Loads the recorded Garmin exchanges from the shared fixtures folder. CI runs
 * in a fresh clone with `shared/` as a sibling of the clone, so the folder is
 * `<repo root>/../shared/fixtures/garmin-recorded`, overridable by
 * FITSYNC_FIXTURES_DIR.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One recorded request/answer pair. */
export interface Interaction {
  request: { method: string; url: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string | string[]>; body: unknown };
}

/** One fixture file. */
export interface Fixture {
  description: string;
  interactions: Interaction[];
}

/** Absolute path of the recorded-fixtures folder. */
export function fixturesDir(): string {
  if (process.env.FITSYNC_FIXTURES_DIR) return resolve(process.env.FITSYNC_FIXTURES_DIR);
  const repoRoot = process.env.FITSYNC_REPO_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));
  return resolve(repoRoot, '..', 'shared', 'fixtures', 'garmin-recorded');
}

/** Reads `<name>.json` from the fixtures folder. */
export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(fixturesDir(), `${name}.json`), 'utf8')) as Fixture;
}

/** Interactions of a fixture that a DI-token client makes (drops garth-era OAuth1 steps). */
export function withoutGarthSteps(interactions: Interaction[]): Interaction[] {
  return interactions.filter((i) => {
    const u = new URL(i.request.url);
    return (
      u.hostname !== 'thegarth.s3.amazonaws.com' &&
      !u.pathname.startsWith('/oauth-service/') &&
      u.pathname !== '/portal/sso/embed'
    );
  });
}

/** An unsigned JWT with the given claims (the client reads `exp`/`iat` only). */
export function makeJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

/**
 * The JSON body documented in `shared/spec/garmin-endpoints.md` under the comment line
 * `// GET <pathAndQuery> -> 200` (for endpoints without a recording file; the spec's bodies are
 * abbreviated copies of sanitised recordings).
 */
export function documentedAnswer(pathAndQuery: string): string {
  const spec = readFileSync(resolve(fixturesDir(), '..', '..', 'spec', 'garmin-endpoints.md'), 'utf8');
  const head = `\`\`\`json\n// GET ${pathAndQuery} -> 200\n`;
  const at = spec.indexOf(head);
  if (at < 0) throw new Error(`garmin-endpoints.md documents no answer of GET ${pathAndQuery}`);
  const start = at + head.length;
  const body = spec.slice(start, spec.indexOf('```', start));
  JSON.parse(body); // a documented body that is not JSON is a broken fixture, not a client bug
  return body;
}
