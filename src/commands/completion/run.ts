// `imgcli completion`, run: the script for a shell (scripts.ts) rendered from the program's own spec
// (program-spec.ts), or, with --list profiles, the words the scripts ask for at completion time.
import { readConfigFile } from '../../config/file.js';
import { isProfileName } from '../../config/keys.js';
import { configDir, readEnv } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import { didYouMean } from '../../suggest.js';
import type { Handler } from '../shared/context.js';
import { completionSpec } from './program-spec.js';
import { renderScript } from './scripts.js';
import { SHELLS } from './spec.js';

const completion: Handler = async (ctx, { args, command }) => {
  const [shell] = args as [string | undefined];
  const { rt } = ctx;
  if (ctx.flags<{ list?: string }>().list) return listWords(rt);
  if (!shell)
    throw new UsageError(
      'completion needs a shell: bash, zsh or fish',
      'For example: source <(imgcli completion bash); see `imgcli completion --help` for each shell.',
    );
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`no completion for ${shell}${didYouMean(shell, SHELLS)}`, `Shells: ${SHELLS.join(', ')}.`);
  rt.stdout.write(renderScript(shell as (typeof SHELLS)[number], completionSpec(command.parent!, rt.now())));
};

/**
 * The words the scripts ask for at completion time: the config's profiles, only those named as
 * `config set --profile` allows (a hand-edited file may hold any key; a shell must never be handed
 * `$(...)` or a backtick to complete). Silent when there are none.
 */
async function listWords(rt: Runtime): Promise<void> {
  try {
    const file = await readConfigFile(configDir(readEnv(rt.env)));
    const names = Object.keys(file.profiles).filter(isProfileName);
    if (names.length) rt.stdout.write(`${names.join('\n')}\n`);
  } catch {
    // A broken config file is reported by the commands that use it, not in the middle of a completion.
  }
}

export const handlers: Record<string, Handler> = { completion };
