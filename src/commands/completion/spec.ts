// What shell completion knows, as plain data: the commands, their options and arguments (read
// from the commander program by program-spec.ts, so completion cannot drift from the CLI),
// and the values an option or argument completes to, from the model and field tables. The
// scripts for bash, zsh and fish are rendered from this (scripts.ts).
import { IMAGE_FIELDS, longFlag, tableValues } from '../../models/fields.js';
import { MODEL_NAMES } from '../../models/table.js';

/** What a word completes to: words from a list, file names, the config's profiles, or nothing to offer. */
export type Values = { kind: 'list'; words: string[] } | { kind: 'files' } | { kind: 'profiles' } | { kind: 'none' };

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

const list = (words: readonly string[]): Values => ({ kind: 'list', words: [...words] });

/** The values of an option that takes one: the model names, a field's values from the table, its choices, files, or nothing. */
export function optionValues(
  long: string | undefined,
  placeholder: string,
  choices: readonly string[] | undefined,
): Values {
  if (choices?.length) return list(choices);
  if (long === '--model') return list(MODEL_NAMES);
  if (long === '--profile') return { kind: 'profiles' };
  const field = IMAGE_FIELDS.find((f) => longFlag(f) === long);
  if (field && (field.kind === 'list' || field.kind === 'size')) return list(tableValues(field));
  // <path>, <image>, <png>, <mask>, <dir>, <file>: something on disk.
  if (/^(path|image|png|mask|dir|file|jobs|input)s?$/.test(placeholder)) return { kind: 'files' };
  return { kind: 'none' };
}

/** A one-line description for a menu: the first clause, without backticks. */
export function shortDescription(text: string): string {
  const plain = text.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  const first = /^(.*?)(?:[;(]|\. |$)/.exec(plain)?.[1]?.trim() ?? plain;
  return first.length > 70 ? `${first.slice(0, 67).trimEnd()}...` : first;
}
