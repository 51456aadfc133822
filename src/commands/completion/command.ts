// `imgcli completion bash|zsh|fish`, declared. The script is generated from the commander program
// itself (program-spec.ts), so it cannot drift from the CLI; `--list profiles` is what the scripts
// call for --profile's values. The run is run.ts's.
import { Command, Option } from 'commander';
import { helpText } from '../shared/help-text.js';
import { SHELLS } from './spec.js';

const EXAMPLES = `
Examples:
  $ imgcli completion bash > ~/.imgcli.bash && echo 'source ~/.imgcli.bash' >> ~/.bashrc
  $ mkdir -p ~/.zfunc && imgcli completion zsh > ~/.zfunc/_imgcli
  $ mkdir -p ~/.config/fish/completions && imgcli completion fish > ~/.config/fish/completions/imgcli.fish

bash: the first line writes the script once and has every new shell read it (bash 4.1 or later; macOS's bash 3.2 needs a newer bash); with the bash-completion package, writing it to ~/.local/share/bash-completion/completions/imgcli instead loads it at the first TAB. \`source <(imgcli completion bash)\` in ~/.bashrc works too, but starts node in every new shell (about 0.15 s). zsh: put fpath+=(~/.zfunc) before compinit in ~/.zshrc, or source it the bash way: source <(imgcli completion zsh). fish loads files in ~/.config/fish/completions by itself.

Commands, flags and their values (models with their status, each model's own sizes and qualities when -m is on the line, formats, prompt files after @, folders for gallery, config keys and their values, profiles) complete. After upgrading imgcli, write the script again. No word is ever evaluated by the shell: profile names from the config are offered only when they are names \`config set --profile\` takes.`;

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
