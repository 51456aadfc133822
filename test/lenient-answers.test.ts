// Class 4: billed answers are read leniently. `created` as a string or missing, usage numbers as
// strings: the images are kept and the field gets a warning. A 2xx whose body is
// `{"error": {...}}` shows the server's message and is classified as the error it is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { PINNED } from './helpers/clock.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
const png = () =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: '#c33' } })
    .png()
    .toBuffer();

async function answered(body: Record<string, unknown>, status = 200) {
  mock.enqueueFault({ status, body });
  const cwd = tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', '-o', 'out.png', '--json'], { cwd });
  return { ...r, cwd, files: readdirSync(cwd) };
}

describe('a billed answer with odd fields keeps its images', () => {
  it('created and usage numbers as strings: read as numbers, with a warning each', async () => {
    const b64 = (await png()).toString('base64');
    const r = await answered({
      created: '1764590400',
      data: [{ b64_json: b64 }],
      usage: { total_tokens: '30', input_tokens: '10', output_tokens: 20 },
    });
    expect(r.exitCode).toBe(0);
    expect(r.files).toEqual(['out.png']);
    const doc = JSON.parse(r.stdout);
    expect(doc.created).toBe(1764590400);
    expect(doc.usage).toMatchObject({ total_tokens: 30, input_tokens: 10, output_tokens: 20 });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: the answer\'s "created" is a string ("1764590400"); read as 1764590400.',
      "warning: the answer's usage.total_tokens is a string; read as 30.",
      "warning: the answer's usage.input_tokens is a string; read as 10.",
    ]);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it("created missing: the run's clock stands in; garbage usage is dropped", async () => {
    const b64 = (await png()).toString('base64');
    const r = await answered({ data: [{ b64_json: b64, revised_prompt: 42 }], usage: 'lots' });
    expect(r.exitCode).toBe(0);
    expect(r.files).toEqual(['out.png']);
    const doc = JSON.parse(r.stdout);
    expect(doc.created).toBe(PINNED.getTime() / 1000);
    expect(doc.usage).toBeUndefined();
    expect(r.stderr).toContain('warning: the answer has no "created" time; the run\'s time is used instead.');
    expect(r.stderr).toContain('warning: the answer\'s "usage" is not an object; token counts and cost are not shown.');
    expect(readFileSync(join(r.cwd, 'out.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('a 2xx whose body is an error is that error', () => {
  it.each([
    [
      {
        message: 'Your request was rejected as a result of our safety system.',
        type: 'image_generation_user_error',
        code: 'moderation_blocked',
      },
      3,
    ],
    [{ message: 'You exceeded your current quota.', type: 'insufficient_quota', code: 'insufficient_quota' }, 5],
    [{ message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' }, 5],
    [{ message: 'The server had an error while processing your request.', type: 'server_error', code: null }, 6],
  ])("%o exits %i with the server's message", async (error, code) => {
    const r = await answered({ error: { ...error, param: null } });
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toContain(
      `error: The API answered 200 with an error (${error.code ?? error.type}): ${error.message}`,
    );
    expect(r.stderr).not.toContain('not an Images API response');
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
    expect(mock.apiRequests()).toHaveLength(1);
  });
});
