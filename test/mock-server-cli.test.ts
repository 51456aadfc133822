// `imgcli mock-server` as a user runs it, and `--mock --dry-run`'s curl command: a spawned server on
// a free port, its request log (what was asked, the status, the time), and how it says it stopped.
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, cleanupTemps, hasTool, imgcli, tempDir } from './helpers/cli.js';
import { useMockServer } from './helpers/mock.js';

afterAll(cleanupTemps);

const mock = useMockServer({ keyless: true });

/** Starts `imgcli mock-server` on a free port; resolves with the child and its base URL. */
async function serve(args: string[] = []) {
  const cwd = tempDir();
  const child = execa('node', [BIN, 'mock-server', '--port', '0', ...args], {
    cwd,
    env: baseEnv(cwd),
    extendEnv: false,
    reject: false,
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => {
      const m = /http:\/\/\S+/.exec(String(d));
      if (m) resolve(m[0]);
    }),
  );
  return { child, url };
}

describe('imgcli mock-server', () => {
  it('logs one line per request once answered: method, path, bytes, status, milliseconds, request id', async () => {
    const { child, url } = await serve(['--no-auth']);
    const ok = await fetch(`${url}/models`);
    expect(ok.status).toBe(200);
    const missing = await fetch(`${url}/nothing-here`);
    expect(missing.status).toBe(404);
    const refused = await fetch(`${url}/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'x', size: '5x5' }),
    });
    expect(refused.status).toBe(400);
    child.kill('SIGTERM');
    const r = await child;
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(`imgcli mock-server listening at ${url} (Ctrl-C to stop)`);
    expect(lines[1]).toMatch(/^GET \/v1\/models \(0 bytes\) 200 \d+ ms req_[0-9a-f]{24}$/);
    expect(lines[2]).toMatch(/^GET \/v1\/nothing-here \(0 bytes\) 404 \d+ ms req_[0-9a-f]{24}$/);
    expect(lines[3]).toMatch(/^POST \/v1\/images\/generations \(\d+ bytes\) 400 \d+ ms req_[0-9a-f]{24}$/);
    // Stopping is how a server ends: said so, not "nothing was left half-written"; 143 as for any SIGTERM.
    expect(lines[4]).toBe('imgcli: mock-server stopped (SIGTERM).');
    expect(r.stderr).not.toContain('half-written');
    expect(r.exitCode).toBe(143);
  });

  it('Ctrl-C (SIGINT) stops it too: exit 130, said so', async () => {
    const { child } = await serve();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('imgcli: mock-server stopped (SIGINT).');
  });
});

describe('--mock --dry-run', () => {
  it('addresses the offline server run on its own (port 8080), says how to start it, and its curl command runs there', async () => {
    const r = await imgcli(['gen', 'a fox', '--mock', '--dry-run'], { env: { OPENAI_API_KEY: undefined } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:8080\/v1\/images\/generations$/m);
    expect(r.stdout).toMatch(/^curl -sS -X POST 'http:\/\/127\.0\.0\.1:8080\/v1\/images\/generations' \\$/m);
    expect(r.stderr).toContain('start it with `imgcli mock-server --port 8080 --no-auth` to try the curl command');
    if (!hasTool('curl')) return;
    // The same command, against such a server on a free port (tests take no fixed port).
    const curl = r.stdout.slice(r.stdout.indexOf('curl -sS')).replace('http://127.0.0.1:8080/v1', mock.url);
    const sent = await execa('bash', ['-c', curl], {
      env: { PATH: process.env.PATH, OPENAI_API_KEY: '' },
      reject: false,
    });
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout).data).toHaveLength(1);
  });
});

describe('a compatible server rehearsed offline', () => {
  it("gen's help example runs with --provider compatible --mock; plain --mock (api.openai.com's stand-in) says how", async () => {
    const cwd = tempDir();
    const refused = await imgcli(['gen', 'a fox', '-m', 'my-model', '--param', 'seed=42', '--mock', '-o', 'a.png'], {
      cwd,
    });
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain(
      "my-model is not in imgcli's model table; sending the flags as given. --mock answers as api.openai.com, which has no such model: add --provider compatible to rehearse a compatible server that serves it.",
    );
    const help = await imgcli(['gen', '--help']);
    // (Continued with a backslash where 80 columns are too few.)
    expect(help.stdout.replace(/ \\\n\s*/g, ' ')).toContain(
      '$ imgcli gen "a fox" -m my-model --param seed=42 --provider compatible --mock',
    );
    const rehearsed = await imgcli(
      [
        'gen',
        'a fox',
        '-m',
        'my-model',
        '--param',
        'seed=42',
        '--provider',
        'compatible',
        '--mock',
        '--json',
        '-o',
        'a.png',
      ],
      { cwd },
    );
    expect(rehearsed.exitCode, rehearsed.stderr).toBe(0);
    expect(JSON.parse(rehearsed.stdout)).toMatchObject({ model: 'my-model', files: [{ path: 'a.png' }] });
  });
});
