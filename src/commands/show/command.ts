// `imgcli show`: images inline in the terminal (kitty, iTerm2; tmux pass-through), or what the
// files hold (`imgcli info`) where the terminal cannot draw them. Parse -> read -> show.
import { Command } from 'commander';
import type { Runtime } from '../../runtime.js';

const EXAMPLES = `
Examples:
  $ imgcli show lighthouse.png
  $ imgcli show out/*.png
  $ imgcli show lighthouse.png | cat                 # not a terminal: the info summary, no escape codes

Each image is drawn on stdout, as wide as the terminal unless that would make it taller than
the window (a small image keeps its own size), under a line with its path, format, size, model
and prompt. Terminals: those that speak the kitty graphics protocol (kitty, Ghostty, WezTerm) or
iTerm2's (iTerm2), detected from TERM, TERM_PROGRAM, KITTY_WINDOW_ID, LC_TERMINAL...; inside
tmux the images are passed through (set -g allow-passthrough on). Anywhere else, and whenever
stdout is not a terminal, it prints what imgcli info prints. Every file is read first: a path
that cannot be read or is not an image is an error (exit 2) and nothing is shown.`;

export function showCommand(rt: Runtime): Command {
  return new Command('show')
    .description(
      'Show images inline in the terminal, scaled to fit; elsewhere print their provenance as imgcli info does.',
    )
    .argument('<image...>', 'images to show (PNG, JPEG, WebP, GIF)')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], _opts: unknown, self: Command) => {
      const flags = self.optsWithGlobals<{ color?: boolean; quiet?: boolean }>();
      const [{ readInfoEntries }, { showImages }, { createMessenger, useColor }] = await Promise.all([
        import('../shared/image-info.js'),
        import('./draw.js'),
        import('../../terminal/messenger.js'),
      ]);
      const entries = await readInfoEntries(paths, 'show');
      const say = await createMessenger(rt.stderr, { quiet: flags.quiet, color: useColor(flags.color, rt) });
      const how = await showImages(entries, rt.stdout, rt.env, say.warn);
      // On a terminal the summary is a fallback worth a word; in a pipe it is what was asked for.
      if (how === 'described' && rt.stdout.isTTY)
        say.info(
          'this terminal cannot draw images (kitty, Ghostty, WezTerm and iTerm2 can); shown: what the files hold',
        );
    });
}
