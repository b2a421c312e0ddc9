import type { Config } from '../config.js';
import { allUsers, createUser, resetMfa } from '../services/user-admin.js';
import { type CliIo, canPrompt, promptHidden, readAll, UsageError } from './io.js';
import { openStores } from './open-stores.js';

/** `user add|list|reset-mfa`. */
export async function runUser(config: Config, io: CliIo, sub: string | undefined, args: string[], passwordStdin: boolean) {
  if (sub === 'add') {
    const name = one(args, 'user add NAME --password-stdin');
    let password: string;
    if (passwordStdin) {
      // Strip one trailing newline (from `echo` or a here-string); keep everything else verbatim.
      password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
    } else if (canPrompt(io)) {
      password = await promptHidden(io, `Password for ${name}: `);
      if ((await promptHidden(io, 'Repeat password: ')) !== password) throw new UsageError('the passwords do not match');
    } else {
      throw new UsageError('no terminal to ask for the password: pipe it in with --password-stdin (never put it in argv)');
    }
    const db = await openStores(config);
    try {
      const user = await createUser(db, name, password);
      io.stdout.write(`Created user ${user.username} (${user.id})\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  if (sub === 'list') {
    if (args.length > 0) throw new UsageError('user list takes no arguments');
    const db = await openStores(config);
    try {
      const users = await allUsers(db);
      const rows = [['USERNAME', 'USER ID', 'MFA', 'CREATED']];
      for (const u of users) {
        rows.push([u.username, u.id, Number(u.mfa_enabled) === 1 ? 'on' : 'off', new Date(Number(u.created_at)).toISOString()]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  if (sub === 'reset-mfa') {
    const name = one(args, 'user reset-mfa NAME');
    const db = await openStores(config);
    try {
      await resetMfa(db, name);
      io.stdout.write(`MFA reset for ${name}\n`);
    } finally {
      await db.close();
    }
    return 0;
  }
  throw new UsageError(sub ? `unknown user command "${sub}" (add, list, reset-mfa)` : 'missing user command (add, list, reset-mfa)');
}

function one(args: string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`usage: fitsync-server ${usage}`);
  return args[0]!;
}
