import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The modules `entry` loads at once: static `import … from './x.js'` (type-only imports and import() left out). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(\.[^']+)\.js';/gms)) {
      visit(join(dirname(file), `${m[1]}.ts`));
    }
  };
  visit(join(SRC, entry));
  return new Set([...seen].map((f) => relative(SRC, f)));
}

// Start-up time is a feature (style.md rule 3): the charts and the health helpers are evaluated
// only when a health or activities command is chosen (commands.ts import()s it), never by the dispatcher.
test('the chart, health and activities modules are outside the start-up import graph', () => {
  const graph = staticGraph('main.ts');
  for (const f of ['run-cli.ts', 'commands.ts']) graph.add(f);
  const eager = new Set([...graph].flatMap((f) => [...staticGraph(f)]));
  assert.ok(eager.has('commands.ts') && eager.has('errors.ts'), `the walker finds modules: ${[...eager].join(', ')}`);
  const heavy = [...eager].filter((f) => f.startsWith('chart/') || f.startsWith('health/') || f.startsWith('activities/') || f.startsWith('progress/') || f.startsWith('cmd/'));
  assert.deepEqual(heavy, []);
  assert.ok(staticGraph('cmd/health/show.ts').has('chart/column-chart.ts'), 'the walker follows imports into the charts');
  // `activities show` loads its charts only when it draws them (a terminal), `export` its workers when it runs.
  const show = staticGraph('cmd/activities/show.ts');
  assert.ok(show.has('activities/activity-format.ts'));
  assert.deepEqual([...show].filter((f) => f.includes('activity-charts') || f.includes('track-outline') || f.includes('column-chart')), []);
  assert.deepEqual([...staticGraph('cmd/activities/export.ts')].filter((f) => f.startsWith('progress/') || f.includes('export-files')), []);
});
