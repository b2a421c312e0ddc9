import type { CompletionSpec } from './completion-spec.js';
import { posixFunctions } from './posix-functions.js';

/**
 * The zsh completion script: the same data functions as bash's (zsh reads that
 * syntax too) and a native `_fitsync` using compadd. Works both as an autoloaded
 * `_fitsync` file in $fpath and when sourced (the last line tells the two apart,
 * as cobra's scripts do).
 */
export function zshScript(spec: CompletionSpec): string {
  return `#compdef fitsync
# fitsync completion for zsh. Install it as a file in a directory of $fpath, e.g.
#   mkdir -p ~/.zfunc && fitsync completion zsh > ~/.zfunc/_fitsync
# with "fpath=(~/.zfunc $fpath)" before "autoload -U compinit && compinit" in ~/.zshrc;
# or load it in this shell with: source <(fitsync completion zsh)
${posixFunctions(spec)}
_fitsync() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} flag='' group='' cmd='' w
  local -i i skip=0 nargs=0
  local -a vals
  if [[ $cur == --*=* ]]; then
    flag=\${cur%%=*}
    compset -P '*='
  elif [[ $_fitsync_value_flags == *" $prev "* ]]; then
    flag=$prev
  fi
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if (( skip )); then skip=0; continue; fi
    case $w in
      --*=*) ;;
      -*) [[ $_fitsync_value_flags == *" $w "* ]] && skip=1 ;;
      *) if [[ -z $group ]]; then group=$w; elif [[ -z $cmd ]]; then cmd=$w; else nargs=$(( nargs + 1 )); fi ;;
    esac
  done
  if [[ -n $flag ]]; then
    vals=(\${=$(_fitsync_values "$group" "$cmd" "$flag")})
  elif [[ $cur == -* ]]; then
    vals=(\${=$(_fitsync_flags "$group" "$cmd")})
  elif [[ -z $group ]]; then
    vals=(\${=$(_fitsync_groups)})
  elif [[ -z $cmd ]]; then
    vals=(\${=$(_fitsync_subcommands "$group")})
  elif (( nargs == 0 )); then
    vals=(\${(f)"$(_fitsync_args "$group" "$cmd")"})
  fi
  if (( \${#vals} )); then
    compadd -a vals
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == _fitsync ]]; then
  _fitsync "$@"
else
  compdef _fitsync fitsync
fi
`;
}
