import type { CommandDefinition, LoadedCommand } from '../../command.js';
import type { Deps } from '../../factory.js';

export type Shell = 'bash' | 'zsh' | 'fish';

const INSTALL: Record<Shell, { description: string; examples: string[] }> = {
  bash: {
    description: 'Load it in the current shell with `source <(fitsync completion bash)`; add that line to ~/.bashrc to have it in every shell.',
    examples: ['source <(fitsync completion bash)', "echo 'source <(fitsync completion bash)' >> ~/.bashrc"],
  },
  zsh: {
    description:
      'Save it as _fitsync in a directory of $fpath, e.g. ~/.zfunc, with `fpath=(~/.zfunc $fpath)` before `autoload -U compinit && compinit` in ~/.zshrc; or load it in the current shell with `source <(fitsync completion zsh)`.',
    examples: ['mkdir -p ~/.zfunc && fitsync completion zsh > ~/.zfunc/_fitsync', 'source <(fitsync completion zsh)'],
  },
  fish: {
    description: 'Save it where fish looks for completions: ~/.config/fish/completions/fitsync.fish.',
    examples: ['fitsync completion fish > ~/.config/fish/completions/fitsync.fish'],
  },
};

/**
 * `fitsync completion SHELL`: one command per shell, so an unknown shell is an unknown
 * command (exit 2) like any other, and `fitsync completion --help` lists the shells.
 */
export function completionCommand(shell: Shell): LoadedCommand {
  const definition: CommandDefinition = {
    group: 'completion',
    name: shell,
    summary: `Print the ${shell} completion script`,
    description:
      `${INSTALL[shell].description}\n` +
      'It completes commands, flags, the values of flags that take one from a fixed set, and the ids of sync jobs this CLI has seen lately (from a local cache: no network call on Tab).',
    usage: `fitsync completion ${shell}`,
    flags: [],
    examples: INSTALL[shell].examples,
  };
  return {
    definition,
    parse: () => ({}),
    run: async (_opts: never, deps: Deps) => {
      const { completionSpec } = await import('../../completion/completion-spec.js');
      const spec = await completionSpec();
      const script =
        shell === 'bash'
          ? (await import('../../completion/bash-script.js')).bashScript(spec)
          : shell === 'zsh'
            ? (await import('../../completion/zsh-script.js')).zshScript(spec)
            : (await import('../../completion/fish-script.js')).fishScript(spec);
      deps.io.out.write(script);
      return 0;
    },
  };
}
