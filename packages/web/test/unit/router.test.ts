import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchRoute, type Route, safeNext, signInHref } from '../../src/router.js';

const page = async () => ({ default: () => null });
const routes: Route[] = [
  { pattern: '/sign-in', title: 'Sign in', load: page, public: true },
  { pattern: '/activities', title: 'Activities', load: page },
  { pattern: '/activities/:id', title: 'Activity', load: page },
];

describe('matchRoute', () => {
  test('matches a fixed path, with or without a trailing slash', () => {
    assert.equal(matchRoute(routes, '/activities')?.route.pattern, '/activities');
    assert.equal(matchRoute(routes, '/activities/')?.route.pattern, '/activities');
  });

  test('a :param takes one decoded segment', () => {
    const m = matchRoute(routes, '/activities/a%20b');
    assert.equal(m?.route.pattern, '/activities/:id');
    assert.deepEqual(m?.params, { id: 'a b' });
  });

  test('no route for unknown paths, extra segments or a malformed escape', () => {
    assert.equal(matchRoute(routes, '/nope'), null);
    assert.equal(matchRoute(routes, '/activities/1/laps'), null);
    assert.equal(matchRoute(routes, '/activities/%E0%A4%A'), null);
  });
});

describe('safeNext', () => {
  test('follows a path on this site, query included', () => {
    assert.equal(safeNext('/device?user_code=BCDF-GHJK'), '/device?user_code=BCDF-GHJK');
    assert.equal(safeNext('/activities/7'), '/activities/7');
  });

  test('refuses other sites and the sign-in page itself (no open redirect, no loop)', () => {
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '', null, '/sign-in?next=/sync']) {
      assert.equal(safeNext(bad), '/sync', String(bad));
    }
  });
});

test('signInHref carries the page to come back to', () => {
  assert.equal(signInHref('/device?user_code=BCDF-GHJK'), '/sign-in?next=%2Fdevice%3Fuser_code%3DBCDF-GHJK');
  assert.equal(signInHref('/'), '/sign-in');
  assert.equal(signInHref('//evil.example'), '/sign-in');
});
