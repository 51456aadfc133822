// `imgcli show`: images inline in the terminal (kitty, iTerm2; tmux pass-through), or what the
// files hold (`imgcli info`) where the terminal cannot draw them. Parse -> read -> show.
import { Command } from 'commander';
import { IMAGE_FORMATS_TEXT } from '../../image/format.js';
import { helpText } from '../shared/help-text.js';

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
that cannot be read, or no image at all, is an error (exit 2) and nothing is shown; files that are
not images among images (a folder's gallery.html) are skipped with a note.`;

export function command(): Command {
  return new Command('show')
    .description(
      'Show images inline in the terminal, scaled to fit; elsewhere print their provenance as imgcli info does.',
    )
    .argument('<image...>', `images to show: ${IMAGE_FORMATS_TEXT}`)
    .addHelpText('after', helpText(EXAMPLES));
}
