// The completion scripts, rendered from the spec (spec.ts). bash and zsh share the lookups
// (which command a line is in, which options take a value and what it completes to) as sh
// `case` functions; fish gets its own declarative `complete` lines. Each script finds the
// command path the same way: the leading words that name subcommands, skipping options and the
// values of those that take one, and notes the model -m names, whose own values are offered.
//
// No script evaluates a word it offers: bash matches words with [[ ]] instead of compgen -W
// (which expands them), zsh and fish add them as data, and the words read at completion time
// (profile names) must match SAFE_WORD besides.
import { SAFE_WORD, type CommandSpec, type OptionSpec, type Shell, type Spec, type Values } from './spec.js';

/** POSIX single quotes (bash, zsh). */
const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
/** fish single quotes. */
const fq = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

const MARKERS = { files: '@files', profiles: '@profiles', prompt: '@prompt' } as const;

/** A zsh _describe item: "word:description", the word's own colons escaped. */
const zshItem = (word: string, description?: string) =>
  sq(description ? `${word.replaceAll(':', '\\:')}:${description}` : word.replaceAll(':', '\\:'));

/**
 * The command that prints a value's completions in bash or zsh: a marker the reply function acts
 * on, the words (bash: one line), or "word:description" items one a line (zsh's _describe).
 */
function printValues(v: Values, shell: 'bash' | 'zsh', words?: string[]): string {
  if (v.kind === 'files' || v.kind === 'profiles' || v.kind === 'prompt') return `echo ${MARKERS[v.kind]}`;
  if (v.kind !== 'list') return "echo ''";
  const list = words ?? v.words;
  if (shell === 'bash') return `echo ${sq(list.join(' '))}`;
  return list.length ? `print -l -- ${list.map((w) => zshItem(w, v.descriptions?.[w])).join(' ')}` : "echo ''";
}

/** The case arm of one value: with -m on the line ($3), the model's own words. */
function valueArm(pattern: string, v: Values, shell: 'bash' | 'zsh', indent: string): string[] {
  if (v.kind !== 'list' || !v.byModel) return [`${indent}${pattern}) ${printValues(v, shell)} ;;`];
  return [
    `${indent}${pattern})`,
    `${indent}  case "$3" in`,
    ...v.byModel.map((g) => `${indent}    ${g.models.map(sq).join('|')}) ${printValues(v, shell, g.words)} ;;`),
    `${indent}    *) ${printValues(v, shell)} ;;`,
    `${indent}  esac ;;`,
  ];
}

/** The sh lookups shared by bash and zsh: subcommands, options, option values, argument values. */
function shLookups(spec: Spec, fn: string, shell: 'bash' | 'zsh'): string {
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
  // $1 the command path, $2 the option, $3 the model -m names. Status 0: the option takes a
  // value (its completions printed); 1: it does not.
  const valueCase = (options: OptionSpec[], key: (name: string) => string) =>
    options
      .filter((o) => o.value)
      .flatMap((o) => valueArm(o.names.map((n) => sq(key(n))).join('|'), o.value!, shell, '    '));
  lines.push(`${fn}_values() {`, '  case "$2" in');
  for (const o of spec.global.filter((g) => g.value))
    lines.push(`    ${o.names.map(sq).join('|')}) ${printValues(o.value!, shell)}; return 0 ;;`);
  lines.push('  esac');
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
        ([first, v]) => `        ${sq(first)}) ${printValues(v, shell)} ;;`,
      );
      lines.push(
        `    ${sq(c.path)})`,
        `      if (( $2 == 0 )); then ${printValues(c.args, shell)}; elif (( $2 == 1 )); then`,
        '        case "$3" in',
        ...second,
        '        esac',
        '      fi ;;',
      );
    } else if (c.args.kind !== 'none') lines.push(`    ${sq(c.path)}) ${printValues(c.args, shell)} ;;`);
  }
  lines.push('  esac', '}', '');
  // The command path of the words before the cursor (the command name first), in $cmdpath; the
  // positional words after it counted in $positional, the first of them in $firstarg; the value
  // of -m/--model in $model.
  lines.push(
    `${fn}_path() {`,
    '  cmdpath="" positional=0 firstarg="" model=""',
    '  local w skip=0 flag=""',
    '  shift',
    '  for w in "$@"; do',
    // bash splits --model=x into --model, =, x: the word after = is a value.
    '    if [[ "$w" == "=" ]]; then',
    '      skip=1',
    '    elif (( skip )); then',
    '      skip=0',
    '      [[ "$flag" == -m || "$flag" == --model ]] && model="$w"',
    '    elif [[ "$w" == --model=* ]]; then',
    '      model="${w#*=}"',
    '    elif [[ "$w" == -* ]]; then',
    `      flag="$w"; [[ "$w" != *=* ]] && ${fn}_values "$cmdpath" "$w" >/dev/null && skip=1`,
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
# Write it to a file once and source that file from ~/.bashrc (see \`${spec.name} completion --help\`).

${shLookups(spec, fn, 'bash')}

# COMPREPLY: the words of $1 that start with $2, compared as text and never expanded (compgen's
# word list would run a $(...) inside one); names read from the config must look like profile names.
${fn}_reply() {
  local w re=${sq(SAFE_WORD)}
  local -a list
  COMPREPLY=()
  case "$1" in
    @files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    @prompt)
      [[ "$2" == @* ]] || return 0
      mapfile -t list < <(compgen -f -- "\${2#@}")
      for w in "\${list[@]}"; do
        [[ -d "$w" ]] && w+=/
        printf -v w '%q' "@$w"
        COMPREPLY+=("$w")
      done
      [[ \${#COMPREPLY[@]} == 1 && "\${COMPREPLY[0]}" == */ ]] && compopt -o nospace 2>/dev/null ;;
    @profiles)
      mapfile -t list < <("\${COMP_WORDS[0]}" completion --list profiles 2>/dev/null)
      for w in "\${list[@]}"; do [[ "$w" =~ $re && "$w" == "$2"* ]] && COMPREPLY+=("$w"); done ;;
    *)
      read -ra list <<< "$1"
      for w in "\${list[@]}"; do [[ "$w" == "$2"* ]] && COMPREPLY+=("$w"); done ;;
  esac
  return 0
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" flag="" cmdpath positional firstarg model values
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
    values="$(${fn}_values "$cmdpath" "$flag" "$model")" && ${fn}_reply "$values" "$cur"
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
  const lines = [`${fn}_command_items() {`, '  case "$1" in'];
  for (const c of spec.commands)
    if (c.subcommands.length)
      lines.push(
        `    ${sq(c.path)}) print -l -- ${c.subcommands.map((s) => zshItem(s.name, s.description)).join(' ')} ;;`,
      );
  lines.push(
    '  esac',
    '}',
    '',
    `${fn}_option_items() {`,
    `  print -l -- ${spec.global.flatMap((o) => o.names.map((n) => zshItem(n, o.description))).join(' ')}`,
    '  case "$1" in',
  );
  for (const c of spec.commands)
    if (c.options.length)
      lines.push(
        `    ${sq(c.path)}) print -l -- ${c.options.flatMap((o) => o.names.map((n) => zshItem(n, o.description))).join(' ')} ;;`,
      );
  lines.push('  esac', '}');
  return lines.join('\n');
}

function zsh(spec: Spec): string {
  const fn = `_${spec.name}`;
  return `#compdef ${spec.name}
# zsh completion for ${spec.name} ${spec.version}, made by \`${spec.name} completion zsh\`.
# Save it as _${spec.name} in a folder of $fpath (before compinit), or: source <(${spec.name} completion zsh)

${shLookups(spec, fn, 'zsh')}

${zshDescriptions(spec, fn)}

# Adds the values in $1 (a marker, or "word:description" lines) as data: compadd and _describe
# quote what they insert; names read from the config must look like profile names.
${fn}_reply() {
  local w re=${sq(SAFE_WORD)}
  local -a list
  case "$1" in
    @files) _files ;;
    @prompt) [[ "$PREFIX" == @* ]] && { compset -P '@'; _files } ;;
    @profiles)
      for w in \${(f)"$(\${words[1]} completion --list profiles 2>/dev/null)"}; do [[ "$w" =~ $re ]] && list+=("$w"); done
      compadd -a list ;;
    *) list=("\${(@f)1}"); list=(\${list:#}); _describe -t values value list ;;
  esac
}

${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" flag="" cmdpath positional firstarg model values
  local -a items
  ${fn}_path "\${(@)words[1,CURRENT-1]}"
  if [[ "$cur" == --*=* ]]; then
    flag="\${cur%%=*}"
    compset -P '*='
  elif [[ "$prev" == -* ]] && ${fn}_values "$cmdpath" "$prev" >/dev/null; then
    flag="$prev"
  fi
  if [[ -n "$flag" ]]; then
    values="$(${fn}_values "$cmdpath" "$flag" "$model")" && ${fn}_reply "$values"
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

/** fish lines that print "word<TAB>description" (or the word alone) for each of `words`. */
function fishWords(v: Values & { kind: 'list' }, words: string[], indent: string): string[] {
  const described = words.filter((w) => v.descriptions?.[w]);
  const bare = words.filter((w) => !v.descriptions?.[w]);
  const lines: string[] = [];
  if (described.length)
    lines.push(`${indent}printf '%s\\t%s\\n' ${described.map((w) => `${fq(w)} ${fq(v.descriptions![w]!)}`).join(' ')}`);
  if (bare.length) lines.push(`${indent}printf '%s\\n' ${bare.map(fq).join(' ')}`);
  return lines.length ? lines : [`${indent}true`];
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
  // The lists with descriptions or per-model words are printed by __imgcli_list, by a key.
  const listed: Array<{ key: string; v: Values & { kind: 'list' } }> = [];
  const listOf = (key: string, v: Values & { kind: 'list' }) => {
    if (!v.descriptions && !v.byModel) return ` -a ${fq(v.words.join(' '))}`;
    listed.push({ key, v });
    return ` -a ${fq(`(${fn}_list ${fq(key)})`)}`;
  };
  const valueFlags = (v: Values, key: string) =>
    v.kind === 'files'
      ? ' -r -F'
      : v.kind === 'profiles'
        ? ` -x -a ${fq(`(${fn}_profiles)`)}`
        : v.kind === 'prompt'
          ? ` -x -a ${fq(`(${fn}_prompt_files)`)}`
          : v.kind === 'list'
            ? ` -x${listOf(key, v)}`
            : ' -x';
  const option = (o: OptionSpec, condition: string, path: string) => {
    const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
    const value = o.value ? valueFlags(o.value, `${path} ${o.names.at(-1)}`.trim()) : '';
    return `${c}${condition} ${names}${value} -d ${fq(o.description)}`;
  };
  const at = (cmd: CommandSpec) => ` -n ${fq(`${fn}_at ${fq(cmd.path)}`)}`;
  const body: string[] = [...spec.global.map((o) => option(o, '', ''))];
  for (const cmd of spec.commands) {
    body.push('', `# ${cmd.path || spec.name}`);
    for (const s of cmd.subcommands) body.push(`${c}${at(cmd)} -f -a ${fq(s.name)} -d ${fq(s.description)}`);
    for (const o of cmd.options) body.push(option(o, at(cmd), cmd.path));
    const first = cmd.byFirstArg ? ` -n ${fq(`${fn}_at ${fq(cmd.path)} 0`)}` : at(cmd);
    if (cmd.args.kind === 'files') body.push(`${c}${first} -F`);
    else if (cmd.args.kind === 'prompt') body.push(`${c}${first} -f -a ${fq(`(${fn}_prompt_files)`)}`);
    else if (cmd.args.kind === 'list') body.push(`${c}${first} -f${listOf(`${cmd.path} <arg>`, cmd.args)}`);
    else body.push(`${c}${first} -f`);
    // Past the key, no file names unless the key wants one (-F wins over -f).
    if (cmd.byFirstArg) body.push(`${c}${at(cmd)} -f`);
    for (const [key, v] of Object.entries(cmd.byFirstArg ?? {})) {
      const condition = ` -n ${fq(`${fn}_setting ${fq(key)}`)}`;
      if (v.kind === 'files') body.push(`${c}${condition} -F`);
      else if (v.kind === 'list') body.push(`${c}${condition} -f${listOf(`${cmd.path} ${key}`, v)}`);
    }
  }
  const listFunction = [
    '# The words of a list, with what each is: with -m on the line, the words that model takes.',
    `function ${fn}_list`,
    `    ${fn}_walk`,
    '    switch "$argv[1]"',
    ...listed.flatMap(({ key, v }) => [
      `        case ${fq(key)}`,
      ...(v.byModel
        ? [
            '            switch "$__imgcli_model"',
            ...v.byModel.flatMap((g) => [
              `                case ${g.models.map(fq).join(' ')}`,
              ...fishWords(v, g.words, '                    '),
            ]),
            "                case '*'",
            ...fishWords(v, v.words, '                    '),
            '            end',
          ]
        : fishWords(v, v.words, '            ')),
    ]),
    '    end',
    'end',
  ];
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
    '# the positional words after it in $__imgcli_args, the model -m names in $__imgcli_model.',
    `function ${fn}_walk`,
    '    set -l words (commandline -opc)',
    '    set -g __imgcli_cmdpath ""',
    '    set -g __imgcli_args',
    '    set -g __imgcli_model ""',
    '    set -l skip 0',
    '    set -l flag ""',
    '    for w in $words[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '            contains -- "$flag" -m --model; and set -g __imgcli_model $w',
    '        else if string match -q -- "--model=*" $w',
    '            set -g __imgcli_model (string replace -- "--model=" "" $w)',
    '        else if string match -q -- "-*" $w',
    '            set flag $w',
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
    "# The config's profiles: only names a profile may have, whatever the file holds.",
    `function ${fn}_profiles`,
    `    ${spec.name} completion --list profiles 2>/dev/null | string match -r -- ${fq(SAFE_WORD)}`,
    'end',
    '',
    '# After an @, the files a prompt can be read from.',
    `function ${fn}_prompt_files`,
    '    set -l token (commandline -ct)',
    "    string match -q -- '@*' $token; or return 0",
    '    for line in (__fish_complete_path (string sub -s 2 -- $token))',
    '        echo "@$line"',
    '    end',
    'end',
    '',
    ...listFunction,
    '',
    ...body,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderScript(shell: Shell, spec: Spec): string {
  return shell === 'bash' ? bash(spec) : shell === 'zsh' ? zsh(spec) : fish(spec);
}
