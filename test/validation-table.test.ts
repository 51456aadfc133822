// Every validation rule for every model in the table, end to end: exit 2, a message naming the
// flag, and zero requests sent. The cases are derived from the table itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS, endpointRules, resolveModel, type EndpointRules } from '../src/models/table.js';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { cleanupTemps, imgcli } from './helpers/cli.js';

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer();
});
afterAll(async () => {
  expect(mock.requests).toHaveLength(0);
  await mock.close();
  cleanupTemps();
});

type Case = [string, string[], RegExp];

function casesFor(model: string, r: EndpointRules): Case[] {
  const has = <T>(v: T | undefined, yes: Case, no: Case) => (v ? yes : no);
  const cases: Case[] = [
    ['bad size', ['-s', '999x999'], /--size 999x999 is not valid/],
    ['count above max', ['-n', String(r.n.max + 1)], /--count \d+ is not valid/],
    ['count 0', ['-n', '0'], /--count 0 is not valid/],
    ['count not a number', ['-n', 'abc'], /--count takes a whole number/],
    ['empty prompt', ['--', ''], /the prompt is empty/],
    ['prompt too long', ['--', 'x'.repeat((r.prompt?.max ?? 0) + 1)], /characters; .* takes at most/],
    has(r.qualities, ['bad quality', ['-q', 'ultra'], /--quality ultra is not valid/], ['quality not taken', ['-q', 'high'], /--quality is not accepted/]),
    has(r.styles, ['bad style', ['--style', 'pastel'], /--style pastel is not valid/], ['style not taken', ['--style', 'vivid'], /--style is not accepted/]),
    has(r.backgrounds, ['transparent jpeg', ['--background', 'transparent', '-f', 'jpeg'], /--background transparent needs/], ['background not taken', ['--background', 'opaque'], /--background is not accepted/]),
    has(r.formats, ['bad format', ['-f', 'bmp'], /--format bmp is not valid/], ['format not taken', ['-f', 'jpeg'], /--format is not accepted/]),
    has(r.compression, ['compression with png', ['--compression', '50'], /--compression works only with/], ['compression not taken', ['--compression', '50'], /--compression is not accepted/]),
    has(r.moderation, ['bad moderation', ['--moderation', 'strict'], /--moderation strict is not valid/], ['moderation not taken', ['--moderation', 'low'], /--moderation is not accepted/]),
    has(r.responseFormats, ['bad response format', ['--response-format', 'png'], /--response-format png is not valid/], ['response format not taken', ['--response-format', 'url'], /--response-format is not accepted/]),
  ];
  if (r.compression) cases.push(['compression out of range', ['--compression', '101', '-f', 'jpeg'], /--compression takes 0 to 100/]);
  if (r.customSize) cases.push(['size not a multiple of 16', ['-s', '1000x1000'], /multiples of 16/], ['aspect beyond 3:1', ['-s', '4000x1000'], /aspect ratio/]);
  return cases.map(([name, args, re]) => [`${model}: ${name}`, args, re]);
}

const table = MODELS.flatMap((m) => casesFor(m.id, endpointRules(resolveModel(m.id), 'generations')!));

describe.concurrent('validation before sending', () => {
  it.each(table)('%s', async (name, args, message) => {
    const model = name.split(':')[0]!;
    // cases that set the prompt pass it after `--`; the others get a valid one
    const rest = args[0] === '--' ? args : ['a fox', ...args];
    const r = await imgcli(['--base-url', mock.url, 'gen', '-m', model, ...rest]);
    expect(r.stderr).toMatch(message);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
  });
});
