import type { CompletionSpec } from './completion-spec.js';
import { posixFunctions } from './posix-functions.js';

/**
 * The bash completion script. `_fitsync` finds the group and command among the words
 * before the cursor (skipping flags and their values), then offers groups, subcommands,
 * flags, a flag's fixed values or job ids; with nothing to offer, `-o default` lets
 * bash complete file names (e.g. for --out).
 */
export function bashScript(spec: CompletionSpec): string {
  return `# fitsync completion for bash. Load it in this shell with
#   source <(fitsync completion bash)
# or for every shell: add that line to ~/.bashrc.
${posixFunctions(spec)}
_fitsync() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} flag='' group='' cmd='' w
  local i skip=0 nargs=0
  # bash splits "--type=all" at "=" (COMP_WORDBREAKS): "--type" "=" "all".
  if [[ $cur == '=' ]]; then
    flag=$prev cur=''
  elif [[ $prev == '=' && $COMP_CWORD -ge 2 ]]; then
    flag=\${COMP_WORDS[COMP_CWORD-2]}
  elif [[ $_fitsync_value_flags == *" $prev "* ]]; then
    flag=$prev
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
      =) skip=1 ;;
      -*) [[ $_fitsync_value_flags == *" $w "* && \${COMP_WORDS[i+1]} != '=' ]] && skip=1 ;;
      *) if [[ -z $group ]]; then group=$w; elif [[ -z $cmd ]]; then cmd=$w; else nargs=$((nargs + 1)); fi ;;
    esac
  done
  COMPREPLY=()
  if [[ -n $flag ]]; then
    COMPREPLY=($(compgen -W "$(_fitsync_values "$group" "$cmd" "$flag")" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_fitsync_flags "$group" "$cmd")" -- "$cur"))
  elif [[ -z $group ]]; then
    COMPREPLY=($(compgen -W "$(_fitsync_groups)" -- "$cur"))
  elif [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$(_fitsync_subcommands "$group")" -- "$cur"))
  elif ((nargs == 0)); then
    COMPREPLY=($(compgen -W "$(_fitsync_args "$group" "$cmd")" -- "$cur"))
  fi
}
complete -o default -F _fitsync fitsync
`;
}
