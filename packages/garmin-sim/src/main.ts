import { startSim } from './start-sim.js';

const USAGE = 'usage: garmin-sim [--host H] [--port N] [--seed S]\n';

const HELP = `${USAGE}
A local stand-in for Garmin Connect (SSO sign-in with MFA, OAuth tokens, data endpoints) with
synthetic data from the seed, for tests, benchmarks and the demo. The first line on stdout is the
base URL; point FITSYNC_GARMIN_SSO_URL, FITSYNC_GARMIN_API_URL and FITSYNC_GARMIN_DIAUTH_URL of
fitsync-server at it. SIGINT/SIGTERM stop it (exit 0); a bad flag is exit 2.

Flags:
  --host H   address to bind (default 127.0.0.1)
  --port N   port, 0 = any free port (default 0)
  --seed S   seed of the generated data, tokens, codes and faults (default "fitsync")

Control surface (sim-only, under /__sim): POST /__sim/users, GET /__sim/users/{email}/mfa-code,
POST /__sim/users/{email}/activities, GET /__sim/users/{email}/truth,
GET /__sim/users/{email}/export.zip, PUT /__sim/faults, GET /__sim/stats, POST /__sim/reset-stats
(packages/garmin-sim/README.md).

Examples:
  garmin-sim --port 0
  garmin-sim --port 9100 --seed demo
  curl -X POST http://127.0.0.1:9100/__sim/users -H 'content-type: application/json' \\
    -d '{"email":"me@example.com","password":"pw","mfa":"email","activities":30,"days":60,"workouts":5}'
`;

/** Parses argv; returns an error message or the options. */
export function parseArgs(argv: string[]): { host: string; port: number; seed: string; help: boolean } | string {
  const out = { host: '127.0.0.1', port: 0, seed: 'fitsync', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--help' || name === '-h') {
      out.help = true;
      continue;
    }
    if (name !== '--host' && name !== '--port' && name !== '--seed') return `unknown argument: ${arg}`;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return `${name} needs a value`;
    if (name === '--host') out.host = value;
    else if (name === '--seed') out.seed = value;
    else {
      if (!/^\d+$/.test(value) || Number(value) > 65535) return '--port must be an integer from 0 to 65535';
      out.port = Number(value);
    }
  }
  return out;
}

/** Entry point; returns the process exit code. Prints the base URL as the first line. */
export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`garmin-sim: ${args}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let sim: Awaited<ReturnType<typeof startSim>>;
  try {
    sim = await startSim({ host: args.host, port: args.port, seed: args.seed });
  } catch (err) {
    process.stderr.write(`garmin-sim: cannot listen on ${args.host}:${args.port}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}
