// `dfs completion bash|zsh`: a shell completion script made from the command tree itself,
// so it knows every command, subcommand and option this build has. Install with
//   dfs completion bash > /etc/bash_completion.d/dfs     (or: eval "$(dfs completion bash)")
//   dfs completion zsh > "${fpath[1]}/_dfs"               (zsh, through bashcompinit)
// Local paths complete as files; remote paths are not looked up (that would need the master).
import type { Command } from 'commander';
import { action, UsageError } from './errors.js';

function optionsOf(c: Command): string[] {
  const out: string[] = [];
  for (const o of c.options) {
    if (o.short) out.push(o.short);
    if (o.long) out.push(o.long);
  }
  return [...out, '--help'];
}

/** The words, once each, as one quoted shell word. */
const q = (s: string): string => `'${[...new Set(s.split(' '))].join(' ').replace(/'/g, "'\\''")}'`;

/** The bash script: `case "$cmd $sub"` over every command, with the words that may come next. */
function bashCompletion(program: Command): string {
  const cases: string[] = [];
  const top = program.commands.filter((c) => c.name() !== 'help');
  cases.push(`    ' ') words=${q([...top.map((c) => c.name()), ...optionsOf(program)].join(' '))} ;;`);
  for (const c of top) {
    const subs = c.commands.filter((s) => s.name() !== 'help');
    if (subs.length) {
      cases.push(`    ${q(`${c.name()} `)}) words=${q([...subs.map((s) => s.name()), ...optionsOf(c)].join(' '))} ;;`);
      for (const s of subs) cases.push(`    ${q(`${c.name()} ${s.name()}`)}*) words=${q([...optionsOf(s), ...optionsOf(program)].join(' '))} ;;`);
    } else {
      cases.push(`    ${q(`${c.name()} `)}*) words=${q([...optionsOf(c), ...optionsOf(program)].join(' '))} ;;`);
    }
  }
  return `# bash completion for dfs (made by \`dfs completion bash\`)
_dfs() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd='' sub='' words='' i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=\${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=\${COMP_WORDS[i]}; fi ;;
    esac
  done
  case "$cmd $sub" in
${cases.join('\n')}
  esac
  if [[ $cur == -* || -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(printf '%s\\n' $words | grep -v '^-')" -- "$cur"))
    [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _dfs dfs
`;
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: dfs completion bash > /etc/bash_completion.d/dfs')
    .argument('<shell>', 'bash or zsh')
    .action(
      action((shell: string) => {
        if (shell === 'bash') process.stdout.write(bashCompletion(program));
        else if (shell === 'zsh') process.stdout.write(`#compdef dfs\nautoload -U +X bashcompinit && bashcompinit\n${bashCompletion(program)}`);
        else throw new UsageError(`completion for bash or zsh, not ${shell}`);
      }),
    );
}
