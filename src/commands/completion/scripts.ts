// The completion scripts, rendered from the spec (spec.ts). bash and zsh share the lookups
// (which command a line is in, which options take a value and what it completes to) as sh
// `case` functions; fish gets its own declarative `complete` lines. Each script finds the
// command path the same way: the leading words that name subcommands, skipping options and the
// values of those that take one.
import type { CommandSpec, OptionSpec, Shell, Spec, Values } from './spec.js';

/** POSIX single quotes (bash, zsh). */
const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
/** fish single quotes. */
const fq = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** What the shell functions print for a value: words, or a marker the main function acts on. */
function valueWords(v: Values): string {
  if (v.kind === 'files') return '@files';
  if (v.kind === 'profiles') return '@profiles';
  return v.kind === 'list' ? v.words.join(' ') : '';
}

/** The sh lookups shared by bash and zsh: subcommands, options, option values, argument values. */
function shLookups(spec: Spec, fn: string): string {
  const lines: string[] = [];
  lines.push(`${fn}_subcommands() {`, '  case "$1" in');
  for (const c of spec.commands)
    if (c.subcommands.length)
      lines.push(`    ${sq(c.path)}) echo ${sq(c.subcommands.map((s) => s.name).join(' '))} ;;`);
  lines.push('  esac', '}', '');
  const global = spec.global.flatMap((o) => o.names).join(' ');
  lines.push(`${fn}_options() {`, `  local global=${sq(global)}`, '  case "$1" in');
  for (const c of spec.commands)
    if (c.options.length)
      lines.push(`    ${sq(c.path)}) echo "$global "${sq(c.options.flatMap((o) => o.names).join(' '))} ;;`);
  lines.push('    *) echo "$global" ;;', '  esac', '}', '');
  // Status 0: the option takes a value (its completions printed); 1: it does not.
  const valueCase = (options: OptionSpec[], key: (name: string) => string) =>
    options
      .filter((o) => o.value)
      .map((o) => `    ${o.names.map((n) => sq(key(n))).join('|')}) echo ${sq(valueWords(o.value!))} ;;`);
  lines.push(
    `${fn}_values() {`,
    '  case "$2" in',
    ...valueCase(spec.global, (n) => n).map((l) => `${l.slice(0, -3)}; return 0 ;;`),
    '  esac',
  );
  lines.push(
    '  case "$1 $2" in',
    ...spec.commands.flatMap((c) => valueCase(c.options, (n) => `${c.path} ${n}`)),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '',
  );
  // $1 the command path, $2 how many positional words come before the cursor, $3 the first of them.
  lines.push(`${fn}_args() {`, '  case "$1" in');
  for (const c of spec.commands) {
    if (c.byFirstArg) {
      const second = Object.entries(c.byFirstArg).map(
        ([first, v]) => `        ${sq(first)}) echo ${sq(valueWords(v))} ;;`,
      );
      lines.push(
        `    ${sq(c.path)})`,
        `      if (( $2 == 0 )); then echo ${sq(valueWords(c.args))}; elif (( $2 == 1 )); then`,
        '        case "$3" in',
        ...second,
        '        esac',
        '      fi ;;',
      );
    } else if (c.args.kind !== 'none') lines.push(`    ${sq(c.path)}) echo ${sq(valueWords(c.args))} ;;`);
  }
  lines.push('  esac', '}', '');
  // The command path of the words before the cursor (the command name first), in $cmdpath; the
  // positional words after it counted in $positional, the first of them in $firstarg.
  lines.push(
    `${fn}_path() {`,
    '  cmdpath="" positional=0 firstarg=""',
    '  local w skip=0',
    '  shift',
    '  for w in "$@"; do',
    // bash splits --model=x into --model, =, x: the word after = is a value.
    '    if [[ "$w" == "=" ]]; then',
    '      skip=1',
    '    elif (( skip )); then',
    '      skip=0',
    '    elif [[ "$w" == -* ]]; then',
    `      [[ "$w" != *=* ]] && ${fn}_values "$cmdpath" "$w" >/dev/null && skip=1`,
    `    elif (( positional == 0 )) && [[ " $(${fn}_subcommands "$cmdpath") " == *" $w "* ]]; then`,
    '      cmdpath="${cmdpath:+$cmdpath }$w"',
    '    else',
    '      (( positional == 0 )) && firstarg="$w"',
    '      positional=$(( positional + 1 ))',
    '    fi',
    '  done',
    '}',
  );
  return lines.join('\n');
}

function bash(spec: Spec): string {
  const fn = `_${spec.name}`;
  return `# bash completion for ${spec.name} ${spec.version}, made by \`${spec.name} completion bash\`.
# Load it in every shell: echo 'source <(${spec.name} completion bash)' >> ~/.bashrc

${shLookups(spec, fn)}

${fn}_reply() {
  case "$1" in
    @files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
    @profiles) COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" completion --list profiles 2>/dev/null)" -- "$2")) ;;
    *) COMPREPLY=($(compgen -W "$1" -- "$2")) ;;
  esac
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" flag="" cmdpath positional firstarg values
  COMPREPLY=()
  # The words before the cursor (bash splits --model=x into --model, =, x).
  local -a before=("\${COMP_WORDS[@]:0:COMP_CWORD}")
  ${fn}_path "\${before[@]}"
  if [[ "$cur" == --*=* ]]; then
    flag="\${cur%%=*}" cur="\${cur#*=}"
  elif (( COMP_CWORD > 1 )) && [[ "\${COMP_WORDS[COMP_CWORD-1]}" == "=" ]]; then
    flag="\${COMP_WORDS[COMP_CWORD-2]}"
  elif [[ "$cur" == "=" ]]; then
    flag="\${COMP_WORDS[COMP_CWORD-1]}" cur=""
  elif (( COMP_CWORD > 1 )) && [[ "\${COMP_WORDS[COMP_CWORD-1]}" == -* ]] && ${fn}_values "$cmdpath" "\${COMP_WORDS[COMP_CWORD-1]}" >/dev/null; then
    flag="\${COMP_WORDS[COMP_CWORD-1]}"
  fi
  if [[ -n "$flag" ]]; then
    values="$(${fn}_values "$cmdpath" "$flag")" && ${fn}_reply "$values" "$cur"
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    ${fn}_reply "$(${fn}_options "$cmdpath")" "$cur"
  elif [[ -n "$(${fn}_subcommands "$cmdpath")" ]] && (( positional == 0 )); then
    ${fn}_reply "$(${fn}_subcommands "$cmdpath")" "$cur"
  else
    ${fn}_reply "$(${fn}_args "$cmdpath" "$positional" "$firstarg")" "$cur"
  fi
  return 0
}

complete -F ${fn} ${spec.name}
`;
}

/** "name:description" lines for zsh's _describe, one function per kind, by command path. */
function zshDescriptions(spec: Spec, fn: string): string {
  const item = (name: string, description: string) => sq(`${name.replaceAll(':', '\\:')}:${description}`);
  const lines = [`${fn}_command_items() {`, '  case "$1" in'];
  for (const c of spec.commands)
    if (c.subcommands.length)
      lines.push(
        `    ${sq(c.path)}) print -l -- ${c.subcommands.map((s) => item(s.name, s.description)).join(' ')} ;;`,
      );
  lines.push(
    '  esac',
    '}',
    '',
    `${fn}_option_items() {`,
    `  print -l -- ${spec.global.flatMap((o) => o.names.map((n) => item(n, o.description))).join(' ')}`,
    '  case "$1" in',
  );
  for (const c of spec.commands)
    if (c.options.length)
      lines.push(
        `    ${sq(c.path)}) print -l -- ${c.options.flatMap((o) => o.names.map((n) => item(n, o.description))).join(' ')} ;;`,
      );
  lines.push('  esac', '}');
  return lines.join('\n');
}

function zsh(spec: Spec): string {
  const fn = `_${spec.name}`;
  return `#compdef ${spec.name}
# zsh completion for ${spec.name} ${spec.version}, made by \`${spec.name} completion zsh\`.
# Save it as _${spec.name} in a folder of $fpath (before compinit), or: source <(${spec.name} completion zsh)

${shLookups(spec, fn)}

${zshDescriptions(spec, fn)}

${fn}_reply() {
  case "$1" in
    @files) _files ;;
    @profiles) local -a profiles; profiles=(\${(f)"$(\${words[1]} completion --list profiles 2>/dev/null)"}); compadd -a profiles ;;
    *) local -a list; list=(\${=1}); compadd -a list ;;
  esac
}

${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" flag="" cmdpath positional firstarg values
  local -a items
  ${fn}_path "\${(@)words[1,CURRENT-1]}"
  if [[ "$cur" == --*=* ]]; then
    flag="\${cur%%=*}"
    compset -P '*='
  elif [[ "$prev" == -* ]] && ${fn}_values "$cmdpath" "$prev" >/dev/null; then
    flag="$prev"
  fi
  if [[ -n "$flag" ]]; then
    values="$(${fn}_values "$cmdpath" "$flag")" && ${fn}_reply "$values"
  elif [[ "$cur" == -* ]]; then
    items=("\${(@f)$(${fn}_option_items "$cmdpath")}")
    _describe -t options option items
  elif [[ -n "$(${fn}_subcommands "$cmdpath")" ]] && (( positional == 0 )); then
    items=("\${(@f)$(${fn}_command_items "$cmdpath")}")
    _describe -t commands command items
  else
    ${fn}_reply "$(${fn}_args "$cmdpath" "$positional" "$firstarg")"
  fi
}

if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.name}
fi
`;
}

function fish(spec: Spec): string {
  const fn = `__${spec.name}`;
  const c = `complete -c ${spec.name}`;
  const takes = [
    ...spec.global.filter((o) => o.value).flatMap((o) => o.names.map((n) => `'* ${n}'`)),
    ...spec.commands.flatMap((cmd) =>
      cmd.options.filter((o) => o.value).flatMap((o) => o.names.map((n) => fq(`${cmd.path} ${n}`))),
    ),
  ];
  const subs = spec.commands.filter((cmd) => cmd.subcommands.length);
  const option = (o: OptionSpec, condition: string) => {
    const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
    const v = o.value;
    const value = !v
      ? ''
      : v.kind === 'files'
        ? ' -r -F'
        : v.kind === 'profiles'
          ? ` -x -a ${fq(`(${fn}_profiles)`)}`
          : v.kind === 'list'
            ? ` -x -a ${fq(v.words.join(' '))}`
            : ' -x';
    return `${c}${condition} ${names}${value} -d ${fq(o.description)}`;
  };
  const at = (cmd: CommandSpec) => ` -n ${fq(`${fn}_at ${fq(cmd.path)}`)}`;
  const lines = [
    `# fish completion for ${spec.name} ${spec.version}, made by \`${spec.name} completion fish\`.`,
    `# Save it as ~/.config/fish/completions/${spec.name}.fish`,
    '',
    `function ${fn}_subcommands`,
    '    switch "$argv[1]"',
    ...subs.map(
      (cmd) => `        case ${fq(cmd.path)}\n            echo ${cmd.subcommands.map((s) => s.name).join(' ')}`,
    ),
    '    end',
    'end',
    '',
    `function ${fn}_takes_value`,
    '    switch "$argv[1] $argv[2]"',
    `        case ${takes.join(' ')}`,
    '            return 0',
    '    end',
    '    return 1',
    'end',
    '',
    '# The command path of the words before the cursor (e.g. "config set") in $__imgcli_cmdpath,',
    '# the positional words after it in $__imgcli_args.',
    `function ${fn}_walk`,
    '    set -l words (commandline -opc)',
    '    set -g __imgcli_cmdpath ""',
    '    set -g __imgcli_args',
    '    set -l skip 0',
    '    for w in $words[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '        else if string match -q -- "-*" $w',
    `            if not string match -q -- "*=*" $w; and ${fn}_takes_value "$__imgcli_cmdpath" $w`,
    '                set skip 1',
    '            end',
    `        else if test (count $__imgcli_args) = 0; and contains -- $w (string split " " (${fn}_subcommands "$__imgcli_cmdpath"))`,
    '            set __imgcli_cmdpath (string trim -- "$__imgcli_cmdpath $w")',
    '        else',
    '            set -a __imgcli_args $w',
    '        end',
    '    end',
    'end',
    '',
    '# At this command path (with $argv[2] positional words before the cursor, when given).',
    `function ${fn}_at`,
    `    ${fn}_walk`,
    '    test "$__imgcli_cmdpath" = "$argv[1]"; or return 1',
    '    test (count $argv) -lt 2; or test (count $__imgcli_args) = $argv[2]',
    'end',
    '',
    '# The second word of `config set`, after the key $argv[1].',
    `function ${fn}_setting`,
    `    ${fn}_at 'config set' 1; and test "$__imgcli_args[1]" = "$argv[1]"`,
    'end',
    '',
    `function ${fn}_profiles`,
    `    ${spec.name} completion --list profiles 2>/dev/null`,
    'end',
    '',
    ...spec.global.map((o) => option(o, '')),
  ];
  for (const cmd of spec.commands) {
    lines.push('', `# ${cmd.path || spec.name}`);
    for (const s of cmd.subcommands) lines.push(`${c}${at(cmd)} -f -a ${fq(s.name)} -d ${fq(s.description)}`);
    for (const o of cmd.options) lines.push(option(o, at(cmd)));
    const first = cmd.byFirstArg ? ` -n ${fq(`${fn}_at ${fq(cmd.path)} 0`)}` : at(cmd);
    if (cmd.args.kind === 'files') lines.push(`${c}${first} -F`);
    else if (cmd.args.kind === 'list') lines.push(`${c}${first} -f -a ${fq(cmd.args.words.join(' '))}`);
    else lines.push(`${c}${first} -f`);
    // Past the key, no file names unless the key wants one (-F wins over -f).
    if (cmd.byFirstArg) lines.push(`${c}${at(cmd)} -f`);
    for (const [key, v] of Object.entries(cmd.byFirstArg ?? {})) {
      const condition = ` -n ${fq(`${fn}_setting ${fq(key)}`)}`;
      if (v.kind === 'files') lines.push(`${c}${condition} -F`);
      else if (v.kind === 'list') lines.push(`${c}${condition} -f -a ${fq(v.words.join(' '))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderScript(shell: Shell, spec: Spec): string {
  return shell === 'bash' ? bash(spec) : shell === 'zsh' ? zsh(spec) : fish(spec);
}
