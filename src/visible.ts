// Text from outside (a file's line, a server's message) made safe to print on one line for a
// person: control characters (C0 and C1, ESC, BEL, CR, LF, DEL) and the bidi controls that can
// reorder what a terminal shows are written as \u escapes, so the text cannot drive the terminal.

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character shown as a \u escape. */
export function visibleText(text: string): string {
  return text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
