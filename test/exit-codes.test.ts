// The exit-code table: one row per code, the README's table and --help generated from it, and
// exitCodeFor() choosing from it (a bug exits 70, never --check's 1).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, httpError } from '../src/api/errors.js';
import { OutOfDateError, UsageError } from '../src/errors.js';
import { EXIT, EXIT_CODES, exitCodeFor, exitCodesHelp, exitCodesMarkdown } from '../src/exit-codes.js';
import { layoutHelp } from '../src/commands/shared/help-text.js';
import { cleanupTemps, imgcli } from './helpers/cli.js';

afterAll(cleanupTemps);

const README = new URL('../README.md', import.meta.url);
const START =
  '<!-- exit codes: EXIT_CODES in src/exit-codes.ts (a test compares this table with exitCodesMarkdown()) -->\n';
const END = '\n<!-- end of exit codes -->';

describe('the table', () => {
  it('has one row per code and per name', () => {
    expect(new Set(EXIT_CODES.map((r) => r.code)).size).toBe(EXIT_CODES.length);
    expect(new Set(EXIT_CODES.map((r) => r.name)).size).toBe(EXIT_CODES.length);
  });

  it('keeps "no" (out of date, not set) and "internal error" apart: 1 and 70', () => {
    expect(EXIT.no).toBe(1);
    expect(EXIT.internal).toBe(70);
  });

  it("is the README's Exit codes table, between its markers", () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END, start);
    expect(start, 'start marker').toBeGreaterThan(0);
    expect(end, 'end marker').toBeGreaterThan(start);
    // To refresh: node -e "import('./dist/exit-codes.js').then((m) => console.log(m.exitCodesMarkdown()))"
    expect(text.slice(start + START.length, end)).toBe(exitCodesMarkdown());
  });

  it('is the Exit codes block of imgcli --help', async () => {
    const r = await imgcli(['--help']);
    expect(r.exitCode).toBe(0);
    // Laid out for 80 columns, as help in a pipe is.
    expect(r.stdout).toContain(layoutHelp(exitCodesHelp(), 80));
    expect(exitCodesHelp()).toMatch(/^ {2}70 {3}internal error \(a bug: please report it\)$/m);
    expect(exitCodesHelp()).not.toContain('`');
  });
});

describe('exitCodeFor', () => {
  it('gives 70 to an error imgcli did not expect, and 1 only to --check', () => {
    expect(exitCodeFor(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(70);
    expect(exitCodeFor(new Error('boom'))).toBe(70);
    expect(exitCodeFor('a string thrown')).toBe(70);
    expect(exitCodeFor(new OutOfDateError('out.png is missing'))).toBe(1);
    expect(exitCodeFor(new UsageError('--size 1x1 is not valid'))).toBe(2);
  });

  it('reads the classification for API errors', () => {
    const body = (code: string | null, type = 'invalid_request_error') =>
      JSON.stringify({ error: { message: 'm', type, param: null, code } });
    const cases: [ApiError, number][] = [
      [httpError(400, body('moderation_blocked', 'image_generation_user_error'), undefined), 3],
      [httpError(400, body('invalid_value'), undefined), 3],
      [httpError(404, body('model_not_found'), undefined), 3],
      [httpError(401, body('invalid_api_key'), undefined), 4],
      [httpError(403, body(null), undefined), 4],
      [httpError(429, body('rate_limit_exceeded', 'requests'), undefined), 5],
      [httpError(400, body('insufficient_quota', 'insufficient_quota'), undefined), 5],
      [httpError(503, '', undefined), 6],
      [new ApiError({ kind: 'http', code: 'moderation_blocked', message: 'in a stream' }), 3],
      [new ApiError({ kind: 'http', code: 'insufficient_quota', message: 'in a stream' }), 5],
      [new ApiError({ kind: 'http', code: 'rate_limit_exceeded', message: 'in a stream' }), 5],
      [new ApiError({ kind: 'http', code: 'server_error', message: 'in a stream' }), 6],
      [new ApiError({ kind: 'network', maybeReceived: true, message: 'ECONNRESET' }), 6],
      [new ApiError({ kind: 'answer', problem: 'not-json', message: '<html>' }), 6],
      [new ApiError({ kind: 'timeout', message: 'slow' }), 6],
      [new ApiError({ kind: 'aborted', message: 'Ctrl-C' }), 130],
    ];
    for (const [err, code] of cases) expect(exitCodeFor(err), `${err.kind} ${err.status} ${err.code}`).toBe(code);
  });
});
