// `imgcli doctor`: one screen that answers "why doesn't it work?" (the checks are in
// checks.ts, the run in run.ts); --json for scripts; exit 1 when something is wrong.
import { Command } from 'commander';
import { helpText } from '../shared/help-text.js';

const EXAMPLES = `
Examples:
  $ imgcli doctor
  $ imgcli --profile azure doctor                # the settings a profile gives
  $ imgcli doctor --json | jq -r '.checks[] | select(.status == "fail") | .name'

It checks Node, sharp, the config file and its folder, the profile, where the API key comes
from (shown redacted), the base URL and proxy in effect, whether the server answers and takes
the key (GET /models: free, no image is made), which image models it lists and which of those
are retiring, and for api.openai.com the organization verification GPT image models need.
Exit 0 when nothing failed (warnings and notes allowed), 1 when a check failed.`;

export function command(): Command {
  return new Command('doctor')
    .description('Check what imgcli needs, from Node to the server and the key, and say what to fix.')
    .option('--json', 'print one JSON document (ok, checks, models) instead of the screen')
    .addHelpText('after', helpText(EXAMPLES));
}
