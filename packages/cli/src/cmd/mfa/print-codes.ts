import type { Deps } from '../../factory.js';
import { csvField } from '../../output.js';
import { sanitizeForTerminal } from '../../terminal-text.js';

/** Recovery codes are data: stdout, one per line (json: `{recovery_codes}`; csv: a column). */
export async function printRecoveryCodes(deps: Deps, codes: readonly string[]): Promise<void> {
  const format = await deps.output();
  const out = deps.io.out;
  if (format === 'json') out.write(`${JSON.stringify({ recovery_codes: codes }, null, 2)}\n`);
  else if (format === 'csv') out.write(`recovery_code\n${codes.map((c) => csvField(c)).join('\n')}\n`);
  else out.write(`${codes.map((c) => sanitizeForTerminal(c)).join('\n')}\n`);
  deps.io.info('Store these recovery codes somewhere safe: each works once, and they are not shown again.');
}
