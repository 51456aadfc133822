// `imgcli models`: the model table (status, endpoints, sizes, qualities, limits), optionally
// merged with what the configured server lists at GET /models.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';

/** The flags of `imgcli models`, as its run reads them. */
export interface ModelsFlags {
  json?: boolean;
  markdown?: boolean;
  remote?: boolean;
  dryRun?: boolean;
  wide?: boolean;
}

const EXAMPLES = `
Examples:
  $ imgcli models                                  # the table imgcli checks requests against
  $ imgcli models gpt-image-2                      # one model whole: every rule, its dates, prices
  $ imgcli models gpt-image-2 --json | jq '.commands[0].flags'
  $ imgcli models --wide                           # every column, however narrow the terminal
  $ imgcli models --json | jq -r '.models[] | select(.status=="current") | .name'
  $ imgcli models --remote                         # ask the server (GET /models) and compare
  $ imgcli --profile azure models --remote --json
  $ imgcli models --remote --dry-run               # print the request instead of sending it
  $ IMGCLI_NOW=2027-01-01 imgcli models            # the statuses on another day

Status is for api.openai.com on today's date (or the date in IMGCLI_NOW), which the table's
last line names: there a retired model is refused and one retiring within 30 days gets a
warning. Other servers (Azure, gateways, local servers) may keep serving any of them.
--remote lists the server's answer next to the table and flags differences (a model not
listed, a different shutdown date, an image model imgcli does not know). On a terminal the table
fits its width (by family: each family's sizes and qualities above its models, without aliases
and limits); in a pipe or with --wide, every column, one model a line. The default model (gen,
edit and vary without -m) is marked "default".

With a model (an id or an alias), that model whole: its status and dates, its prices, and per
command (gen, edit, vary) the endpoint, the prompt and files it takes, and every flag it takes
with its values.`;

export function command(): Command {
  const cmd = new Command('models')
    .description('List the image models imgcli knows: family, endpoints, status, sizes, qualities and limits.')
    .argument('[model]', 'one model to show whole (an id or an alias)')
    .option('--remote', 'also ask the configured server (GET /models) and flag differences')
    .option('--dry-run', 'with --remote: print the request instead of sending it')
    .option('--json', 'print one JSON document on stdout')
    .option('--markdown', "print the table as markdown (the README's table is made with it)")
    .option('--wide', 'every column and alias even on a narrow terminal (always so when stdout is not a terminal)')
    .addHelpText('after', helpText(EXAMPLES));
  return cmd;
}
