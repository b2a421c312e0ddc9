import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/**
 * The independent readers the export tests use, from Debian's packages: gpsbabel, xmllint
 * (libxml2-utils), and the system python with gpxpy (python3-gpxpy; a pyenv `python3` lacks it).
 */
export async function missingTools(): Promise<string[]> {
  const probes: [string, string, string[]][] = [
    ['gpsbabel', 'gpsbabel', ['-V']],
    ['xmllint (libxml2-utils)', 'xmllint', ['--version']],
    ['python3-gpxpy', PYTHON, ['-c', 'import gpxpy']],
  ];
  const missing: string[] = [];
  for (const [name, cmd, args] of probes) await run(cmd, args).catch(() => missing.push(name));
  return missing;
}

/**
 * The `skip` option of a suite that needs the readers: false when they are installed, or when CI
 * requires them (FITSYNC_TEST_REQUIRE_TOOLS=1, set by .ci/run) so that a missing one fails there;
 * on a developer machine without them, the reason to show.
 */
export async function toolsSkip(): Promise<string | false> {
  const missing = await missingTools();
  if (missing.length === 0 || process.env.FITSYNC_TEST_REQUIRE_TOOLS === '1') return false;
  return `missing ${missing.join(', ')} (Debian packages: apt-get install gpsbabel python3-gpxpy libxml2-utils)`;
}

/** `xmllint --noout`: throws with its message unless the file is well-formed XML. */
export async function xmllintWellFormed(file: string): Promise<void> {
  await run('xmllint', ['--noout', file]);
}

/** `xmllint --xpath EXPR` (a number or string result). */
export async function xmllintXpath(file: string, expr: string): Promise<string> {
  return (await run('xmllint', ['--xpath', expr, file])).stdout.trim();
}

export interface BabelPoint {
  lat: number;
  lon: number;
  time: number | null;
  hr: number | null;
  cad: number | null;
}

/** The track points GPSBabel reads from a GPX (`gpx`) or TCX (`gtrnctr`) file, via its unicsv output in UTC. */
export async function gpsbabelTrack(format: 'gpx' | 'gtrnctr', file: string): Promise<BabelPoint[]> {
  const { stdout } = await run('gpsbabel', ['-t', '-i', format, '-f', file, '-o', 'unicsv,utc=0', '-F', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const [head = '', ...lines] = stdout.trim().split(/\r?\n/);
  const cols = head.split(',');
  const at = (row: string[], name: string) => {
    const i = cols.indexOf(name);
    return i === -1 || row[i] === undefined || row[i] === '' ? null : row[i]!;
  };
  return lines.map((line) => {
    const row = line.split(',');
    const date = at(row, 'Date');
    const time = at(row, 'Time');
    const hr = at(row, 'Heartrate');
    const cad = at(row, 'Cadence');
    return {
      lat: Number(at(row, 'Latitude')),
      lon: Number(at(row, 'Longitude')),
      time: date && time ? Date.parse(`${date.replaceAll('/', '-')}T${time}Z`) : null,
      hr: hr === null ? null : Number(hr),
      cad: cad === null ? null : Number(cad),
    };
  });
}

export interface GpxpyDoc {
  name: string | null;
  time: string | null;
  tracks: { name: string | null; type: string | null; segments: number }[];
  /** [lat, lon, ele, time (ISO), hr, cad, atemp] as gpxpy parsed them (extension values as text). */
  points: [number, number, number | null, string | null, string | null, string | null, string | null][];
}

const GPXPY_DUMP = `
import json, sys, gpxpy
g = gpxpy.parse(open(sys.argv[1], encoding='utf-8'))
pts = []
for t in g.tracks:
    for s in t.segments:
        for p in s.points:
            ext = {}
            for e in p.extensions:
                for c in e:
                    ext[c.tag.split('}')[-1]] = c.text
            pts.append([p.latitude, p.longitude, p.elevation, p.time.isoformat() if p.time else None,
                        ext.get('hr'), ext.get('cad'), ext.get('atemp')])
print(json.dumps({'name': g.name, 'time': g.time.isoformat() if g.time else None,
                  'tracks': [{'name': t.name, 'type': t.type, 'segments': len(t.segments)} for t in g.tracks],
                  'points': pts}))
`;

/** What gpxpy (Debian's python3-gpxpy) reads from a GPX file. */
export async function gpxpyRead(file: string): Promise<GpxpyDoc> {
  const { stdout } = await run(PYTHON, ['-c', GPXPY_DUMP, file], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as GpxpyDoc;
}
