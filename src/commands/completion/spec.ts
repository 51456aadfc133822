// What shell completion knows, as plain data: the commands, their options and arguments (read
// from the commander program by program-spec.ts, so completion cannot drift from the CLI),
// and the values an option or argument completes to, from the model and field tables. The
// scripts for bash, zsh and fish are rendered from this (scripts.ts).

/**
 * What a word completes to: words from a list, file names, folders, the config's profiles, a
 * prompt (files after an @), or nothing to offer. A list may say what each word is (shown by
 * fish and zsh) and, for a field of the model table, which words each model takes (offered when
 * -m names one on the line).
 */
export type Values =
  | {
      kind: 'list';
      words: string[];
      descriptions?: Record<string, string>;
      byModel?: ModelWords[];
    }
  | { kind: 'files' }
  | { kind: 'profiles' }
  | { kind: 'prompt' }
  | { kind: 'none' };

/** The words models take for a field: the models (ids and aliases) that share one list. */
export interface ModelWords {
  models: string[];
  words: string[];
}

export interface OptionSpec {
  /** `-m`, `--model`: the short one first when there is one. */
  names: string[];
  description: string;
  /** Absent for a switch; what its value completes to otherwise. */
  value?: Values;
}

export interface CommandSpec {
  /** '' for imgcli itself, 'gen', 'config set'. */
  path: string;
  description: string;
  subcommands: Array<{ name: string; description: string }>;
  /** Its own options; the global ones (imgcli's) apply everywhere and are in Spec.global. */
  options: OptionSpec[];
  /** What its positional arguments complete to. */
  args: Values;
  /** For `config set`: what the second argument completes to, by the first (the key). */
  byFirstArg?: Record<string, Values>;
}

export interface Spec {
  name: string;
  version: string;
  global: OptionSpec[];
  commands: CommandSpec[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * The words a completion script may take from outside (the config's profile names): the profile
 * name rule of config/keys.ts as a POSIX extended regular expression, which bash's `=~`, zsh's
 * `=~` and fish's `string match -r` all read the same way. The scripts drop any other word, so a
 * name that `config set` would refuse never reaches the command line, whatever the file holds.
 */
export const SAFE_WORD = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** A one-line description for a menu: the first clause, without backticks. */
export function shortDescription(text: string): string {
  const plain = text.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  const first = /^(.*?)(?:[;(]|\. |$)/.exec(plain)?.[1]?.trim() ?? plain;
  return first.length > 70 ? `${first.slice(0, 67).trimEnd()}...` : first;
}
