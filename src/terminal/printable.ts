// Text from outside (a server's message, a model id, a file name, a record read from a file) is
// data, never terminal control: `printable` is the one function that makes it visible before it
// reaches a person. The message writers (messenger.ts, the error report in cli.ts, the progress
// lines) pass all they print through it; the output boundary (boundary.ts) passes every other
// write through it too, keeping only line breaks and tabs.

/**
 * What is made visible: C0 controls (ESC, BEL, CR, backspace... and, on one line, LF and TAB),
 * DEL, the C1 controls (U+0080-U+009F: CSI and OSC in their 8-bit form), the line and paragraph
 * separators, and the bidi controls (embeddings, overrides, isolates, marks) that reorder
 * what follows them on screen.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, with line breaks and tabs kept: for text that is laid out in lines. */
const CONTROL_BUT_LAYOUT =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `\u001b` for ESC and so on: the notation JSON uses, so an escaped JSON document is still the
 * same document (a string keeps its exact text once parsed), and a person sees what was sent.
 */
const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Outside text made safe to print: every control character shown as its `\uXXXX` escape, so a
 * server cannot write to the clipboard (OSC 52), retitle the window, plant a hyperlink, clear the
 * screen, overwrite a line with CR, reorder it with a bidi override, or (on one line) start a new
 * line that looks like imgcli's own. `lines: true` keeps line breaks (CRLF read as LF) and tabs,
 * for a block laid out in lines (the prompt `info` shows).
 */
export function printable(text: string, opts: { lines?: boolean } = {}): string {
  return opts.lines ? text.replace(/\r\n/g, '\n').replace(CONTROL_BUT_LAYOUT, escape) : text.replace(CONTROL, escape);
}
