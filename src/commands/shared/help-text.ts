// Help laid out for the screen it is read on: the terminal's width, or 80 columns in a pipe or a
// file. Commander wraps its own parts (usage, options) to that width; the text a command adds
// after them (examples, notes) goes through layoutHelp(), so it is written unwrapped in the
// source and never breaks mid-word, at 30 columns or at 200.

/** What help is laid out for: a stream's columns when it is a terminal that reports them, else 80. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  const columns = stream.columns;
  return stream.isTTY && typeof columns === 'number' && Number.isFinite(columns) && columns >= 1
    ? Math.floor(columns)
    : 80;
}

/**
 * Words wrapped to `width` columns: the first line starts with `first`, the others with `rest`.
 * A word longer than a line keeps a line of its own, whole.
 */
export function wrapWords(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The words of a command line, quotes kept with their word. */
function shellWords(command: string): string[] {
  return command.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

/** Where an example's `# comment` starts (a # after a space, outside quotes), or -1. */
function commentStart(text: string): number {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && i > 0 && /\s/.test(text[i - 1]!)) return i;
  }
  return -1;
}

/** An example line split: its indent with the `$ `, the command, its comment (without the #). */
function splitExample(line: string): { indent: string; command: string; comment: string } {
  const [, indent = '', text = ''] = /^(\s*\$ )(.*)$/.exec(line) ?? [];
  const hash = commentStart(text);
  return {
    indent,
    command: (hash < 0 ? text : text.slice(0, hash)).trimEnd(),
    comment: hash < 0 ? '' : text.slice(hash + 1).trim(),
  };
}

/** A command too long for a line, continued on the next ones with a backslash, so it can be copied as it is. */
function breakCommand(indent: string, command: string, width: number): string[] {
  if (indent.length + command.length <= width) return [indent + command];
  const pad = `${indent.slice(0, -2)}    `;
  const lines: string[] = [];
  let current = indent;
  for (const word of shellWords(command)) {
    const start = current === indent || current === pad;
    if (!start && current.length + 1 + word.length + 2 > width) {
      lines.push(`${current} \\`);
      current = pad + word;
    } else current = start ? current + word : `${current} ${word}`;
  }
  return [...lines, current];
}

/**
 * A block of examples (`  $ imgcli ...  # what it does`) laid out for `width`: as written when
 * every line fits; else with the comments lined up closer, if that fits them all; else each
 * comment on a line of its own above its command (as the GitHub CLI writes them). A command still
 * too long continues on the next lines with a backslash.
 */
function layoutExamples(block: string[], width: number): string[] {
  if (block.every((line) => line.length <= width)) return block;
  const examples = block.map(splitExample);
  const commented = examples.filter((e) => e.comment);
  const column = Math.max(0, ...commented.map((e) => e.indent.length + e.command.length + 2));
  const beside =
    examples.every((e) => e.indent.length + e.command.length <= width) &&
    commented.every((e) => column + 2 + e.comment.length <= width);
  return examples.flatMap((e) => {
    if (beside) return [e.comment ? `${(e.indent + e.command).padEnd(column)}# ${e.comment}` : e.indent + e.command];
    const above = e.comment ? wrapWords(e.comment, width, `${e.indent.slice(0, -2)}# `) : [];
    return [...above, ...breakCommand(e.indent, e.command, width)];
  });
}

/**
 * Text added after a command's help, laid out for `width` columns. Lines not indented are prose:
 * those next to each other form one paragraph, rewrapped (a heading, "Examples:", is followed by
 * indented lines).
 * An indented line is an item of its own, continued under its description when it has one
 * (`  term   description`); `$ ` lines are examples; a line of JSON is left as it is.
 */
export function layoutHelp(text: string, width: number): string {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) out.push('');
    else if (/^\s*\$ /.test(line)) {
      const block = [line];
      while (i + 1 < lines.length && /^\s*\$ /.test(lines[i + 1]!)) block.push(lines[++i]!);
      out.push(...layoutExamples(block, width));
    } else if (/^\s+[{[]/.test(line) || (line.length <= width && /^\s/.test(line))) out.push(line);
    else if (/^\s/.test(line)) {
      const [, indent = '', term = '', rest = ''] = /^(\s+)(\S.*?\s{2,}(?=\S)|- )?(.*)$/.exec(line) ?? [];
      // Continued under the description (or a bullet's text), unless that is past half the width.
      const hang = Math.min(indent.length + term.length, Math.floor(width / 2));
      out.push(...wrapWords(rest, width, indent + term, ' '.repeat(hang)));
    } else {
      let paragraph = line;
      while (i + 1 < lines.length && /^\S/.test(lines[i + 1]!)) paragraph += ` ${lines[++i]}`;
      out.push(...wrapWords(paragraph, width));
    }
  }
  return out.join('\n');
}

/** The width help is laid out for, from a command's output settings (to stderr after a usage error). */
interface HelpContext {
  error: boolean;
  command: { configureOutput(): { getOutHelpWidth?(): number | undefined; getErrHelpWidth?(): number | undefined } };
}

/** Text for commander's addHelpText(), laid out when the help is printed, for where it is printed. */
export function helpText(text: string): (context: HelpContext) => string {
  return ({ error, command }) => {
    const output = command.configureOutput();
    const width = (error ? output.getErrHelpWidth?.() : output.getOutHelpWidth?.()) ?? 80;
    return layoutHelp(text, width);
  };
}
