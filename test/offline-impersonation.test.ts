// Item 4: the offline server stands in for api.openai.com (the default provider) as of the run's date,
// so --mock refuses what that server refuses: a model shut down by then exits 2 before anything is
// sent, as without --mock, and `imgcli mock-server` answers it as api.openai.com answers a model it
// does not have, unless --serve-retired. A date before the shutdown (IMGCLI_NOW) rehearses it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, imgcli, tempDir } from './helpers/cli.js';
import { at } from './helpers/clock.js';

describe("--mock refuses what api.openai.com refuses on the run's date", () => {
  it('gen -m dall-e-3 --mock exits 2 as it does without --mock, nothing written', async () => {
    const cwd = tempDir();
    const offline = await imgcli(['gen', 'x', '-m', 'dall-e-3', '--mock', '-o', 'a.png'], { cwd });
    const online = await imgcli(['gen', 'x', '-m', 'dall-e-3', '-o', 'a.png'], { cwd });
    expect(online.exitCode).toBe(2);
    expect(offline.exitCode).toBe(2);
    expect(offline.stdout).toBe('');
    expect(offline.stderr).toContain(
      'error: dall-e-3 was shut down on 2026-05-12 and is no longer served by OpenAI; use gpt-image-2 instead (-m gpt-image-2); with --mock too: the offline server answers as OpenAI on 2026-12-01',
    );
    expect(offline.stderr).toContain(
      "hint: To rehearse a run from before the shutdown, pin the run's clock: IMGCLI_NOW=2026-05-11",
    );
    expect(existsSync(join(cwd, 'a.png'))).toBe(false);
  });

  it('before the shutdown date (IMGCLI_NOW), --mock serves it', async () => {
    const cwd = tempDir();
    const r = await imgcli(['gen', 'x', '-m', 'dall-e-3', '--mock', '-o', 'a.png'], { cwd, env: at('2026-05-11') });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'a.png'))).toBe(true);
  });

  it('a batch with a retired model under --mock is refused up front, naming the line', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'jobs.jsonl'), '"a fox"\n{"prompt": "an owl", "model": "dall-e-2", "out": "owl.png"}\n');
    const r = await imgcli(['batch', 'jobs.jsonl', '--mock'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/line 2: dall-e-2 was shut down on 2026-05-12/);
    expect(r.stdout).toBe('');
  });
});

describe('imgcli mock-server', () => {
  async function withServer(args: string[], use: (url: string) => Promise<void>) {
    const cwd = tempDir();
    const server = execa('node', [BIN, 'mock-server', ...args], {
      cwd,
      env: baseEnv(cwd),
      extendEnv: false,
      reject: false,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
        server.once('exit', () => reject(new Error('mock-server exited')));
      });
      await use(url);
    } finally {
      server.kill('SIGTERM');
      await server;
    }
  }
  const ask = (url: string, model: string) =>
    fetch(`${url}/images/generations`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: 'x', size: '1024x1024' }),
    });

  it('answers a retired model as api.openai.com does (404 model_not_found); --serve-retired serves it', async () => {
    await withServer([], async (url) => {
      const r = await ask(url, 'dall-e-3');
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
      expect((await ask(url, 'gpt-image-2')).status).toBe(200);
    });
    await withServer(['--serve-retired'], async (url) => {
      expect((await ask(url, 'dall-e-3')).status).toBe(200);
    });
  });
});
