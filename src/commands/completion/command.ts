// `imgcli completion bash|zsh|fish`, declared. The script is generated from the commander program
// itself (program-spec.ts), so it cannot drift from the CLI; `--list profiles` is what the scripts
// call for --profile's values. The run is run.ts's.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { SHELLS } from './spec.js';

const EXAMPLES = `
Examples:
  $ echo 'source <(imgcli completion bash)' >> ~/.bashrc
  $ mkdir -p ~/.zfunc && imgcli completion zsh > ~/.zfunc/_imgcli
  $ mkdir -p ~/.config/fish/completions && imgcli completion fish > ~/.config/fish/completions/imgcli.fish

bash: the line above loads it in every new shell (bash 4.1 or later; macOS's bash 3.2 needs
a newer bash). zsh: put fpath+=(~/.zfunc) before compinit in ~/.zshrc, or source it the bash
way: source <(imgcli completion zsh). fish loads files in ~/.config/fish/completions by itself.
Commands, flags and their values (models, sizes, qualities, formats, config keys and their
values, profiles) complete; a new imgcli version completes its own flags once the script is written again.`;

export function command(): Command {
  const cmd = new Command('completion')
    .description('Print the completion script for a shell: commands, flags, and their values from the model table.')
    .argument('[shell]', `one of ${SHELLS.join(', ')}`)
    .addOption(
      new Option('--list <what>', 'print completion words, one per line (profiles)').choices(['profiles']).hideHelp(),
    )
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}
