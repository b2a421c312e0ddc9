import type { SpawnOptions } from 'node:child_process';

/** A program and its arguments, the URL last. */
export interface BrowserCommand {
  command: string;
  args: string[];
  /** Windows: hand the arguments to cmd.exe as written (its own quoting rules). */
  verbatim?: boolean;
}

/**
 * How to open `url` here: `$BROWSER` when set (split like a shell command line, the URL appended
 * as its last argument), else the platform's opener — `open` on macOS, `cmd /c start "" URL` on
 * Windows, `xdg-open` elsewhere when a graphical session (DISPLAY or WAYLAND_DISPLAY) is there to
 * show it. undefined: nothing to open it with (a server over SSH), the user opens it themselves.
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): BrowserCommand | undefined {
  const browser = env.BROWSER?.trim();
  if (browser) {
    const words = splitCommandLine(browser);
    if (words.length > 0) return { command: words[0] as string, args: [...words.slice(1), url] };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // The empty title: start takes a first quoted argument as the window title, not the target.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url], verbatim: true };
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return { command: 'xdg-open', args: [url] };
  return undefined;
}

/**
 * Words of a command line as a POSIX shell splits them, without expansions: blanks separate
 * words, single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash
 * outside quotes escapes the next character.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Starts the browser detached (it outlives us; its output is not ours) and resolves once it
 * started or could not: true or false, never a throw — the URL is on screen either way.
 */
export async function openBrowser(cmd: BrowserCommand): Promise<boolean> {
  const { spawn } = await import('node:child_process');
  const options: SpawnOptions = { detached: true, stdio: 'ignore', windowsVerbatimArguments: cmd.verbatim === true };
  return new Promise<boolean>((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd.command, cmd.args, options);
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
