// `imgcli config`: round trips for every key, validation on set, profiles, file mode 0600,
// redaction, and a broken file reported with its path and the bad key (never a stack). Runs
// in-process (helpers/in-process.ts); the file mode and stdin cases also run the built binary.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, imgcli, tempDir } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

afterAll(cleanupTemps);

const KEY = 'sk-proj-CONFIGsecretVALUE9876';

/** A fresh home per test: the helpers put IMGCLI_CONFIG_DIR at <cwd>/config. */
function home(how: 'in-process' | 'spawned' = 'in-process') {
  const cwd = tempDir();
  const file = join(cwd, 'config', 'config.json');
  const run = async (args: string[], opts: Parameters<typeof imgcli>[1] = {}) => {
    const r = how === 'spawned' ? await imgcli(args, { cwd, ...opts }) : await runInProcess(args, { cwd, ...opts });
    // One final newline or none, whatever the helper's stripping: compare the text itself.
    return { ...r, stdout: String(r.stdout).replace(/\n$/, '') };
  };
  const write = (data: unknown) => {
    mkdirSync(join(cwd, 'config'), { recursive: true });
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    chmodSync(file, 0o644);
  };
  const read = () => JSON.parse(readFileSync(file, 'utf8'));
  return { cwd, file, run, write, read };
}

describe('config set/get/unset', () => {
  it.each([
    ['base-url', 'https://gw.example/v1/', 'https://gw.example/v1', 'https://gw.example/v1'],
    ['org', 'org-123', 'org-123', 'org-123'],
    ['project', 'proj_9', 'proj_9', 'proj_9'],
    ['auth', 'API-KEY', 'api-key', 'api-key'],
    ['azure-deployment', 'img-deploy', 'img-deploy', 'img-deploy'],
    ['azure-api-version', '2025-04-01-preview', '2025-04-01-preview', '2025-04-01-preview'],
    ['model', 'gpt-image-2.5', 'gpt-image-2.5', 'gpt-image-2.5'],
    ['size', '1536x1024', '1536x1024', '1536x1024'],
    ['size', '2048x1152', '2048x1152', '2048x1152'],
    ['quality', 'high', 'high', 'high'],
    ['format', 'jpg', 'jpeg', 'jpeg'],
    ['out-dir', 'renders', 'renders', 'renders'],
    ['timeout', '120', 120, '120'],
    ['max-retries', '0', 0, '0'],
  ])('round-trips %s %s', async (key, value, stored, shown) => {
    const h = home();
    const set = await h.run(['config', 'set', key, value]);
    expect(set.exitCode).toBe(0);
    expect(set.stdout).toBe('');
    expect(h.read()).toEqual({ [key]: stored });
    const get = await h.run(['config', 'get', key]);
    expect(get.stdout).toBe(`${shown}`);
    const unset = await h.run(['config', 'unset', key]);
    expect(unset.exitCode).toBe(0);
    expect(h.read()).toEqual({});
    const gone = await h.run(['config', 'get', key]);
    // Like `git config`: an unset key is exit 1 with nothing on stdout, not an error.
    expect(gone.exitCode).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(
      new RegExp(
        `^${key} is not set in .*config\\.json\\nhint: Set it with \`imgcli config set ${key} <value>\`\\.\\n?$`,
      ),
    );
  });

  it.each([
    ['timeout', 'abc', /timeout "abc" is not valid: use a number of seconds greater than 0/],
    ['timeout', '0', /timeout "0" is not valid/],
    ['max-retries', '11', /max-retries "11" is not valid: use a whole number from 0 to 10/],
    ['base-url', 'ftp://x', /base-url "ftp:\/\/x" is not valid: must start with http:\/\/ or https:\/\//],
    ['base-url', 'not a url', /base-url "not a url" is not valid: use a full URL/],
    ['size', '999x999', /size "999x999" is not valid: both edges must be multiples of 16.*use one of auto, 1024x1024/],
    ['quality', 'ultra', /quality "ultra" is not valid: use one of auto, low, medium, high, xhigh, max, standard, hd/],
    ['format', 'bmp', /format "bmp" is not valid: use one of png, jpeg, webp, gif, svg/],
    ['auth', 'basic', /auth "basic" is not valid: use one of bearer, api-key/],
    ['azure-deployment', 'a/b', /azure-deployment "a\/b" is not valid/],
    ['modle', 'x', /unknown config key "modle"; did you mean model\?/],
  ])('refuses %s %s with exit 2 and changes nothing', async (key, value, message) => {
    const h = home();
    const r = await h.run(['config', 'set', key, value]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(() => h.read()).toThrow();
  });

  it('uses the same rules for the flags as for config set', async () => {
    const r = await runInProcess(['--timeout', 'abc', 'gen', 'x', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--timeout abc is not valid: use a number of seconds greater than 0/);
  });

  it.each(['in-process', 'spawned'] as const)(
    'writes the file with mode 0600, also when it existed with a wider mode (%s)',
    async (how) => {
      const h = home(how);
      await h.run(['config', 'set', 'api-key', KEY]);
      expect(statSync(h.file).mode & 0o777).toBe(0o600);
      h.write({ model: 'gpt-image-2' });
      expect(statSync(h.file).mode & 0o777).not.toBe(0o600);
      await h.run(['config', 'set', 'api-key', KEY]);
      expect(statSync(h.file).mode & 0o777).toBe(0o600);
      expect(h.read()).toEqual({ model: 'gpt-image-2', 'api-key': KEY });
    },
  );

  it('prints the path, following IMGCLI_CONFIG_DIR', async () => {
    const h = home();
    const r = await h.run(['config', 'path']);
    expect(r.stdout).toBe(`${h.file}`);
    const other = tempDir();
    const moved = await h.run(['config', 'path'], { env: { IMGCLI_CONFIG_DIR: other } });
    expect(moved.stdout).toBe(`${join(other, 'config.json')}`);
  });

  it.each(['in-process', 'spawned'] as const)(
    'reads a value from stdin with -, keeping it out of shell history (%s)',
    async (how) => {
      const h = home(how);
      const r = await h.run(['config', 'set', 'api-key', '-'], { input: `${KEY}\n` });
      expect(r.exitCode).toBe(0);
      expect(h.read()['api-key']).toBe(KEY);
      expect(r.stderr).not.toContain(KEY);
    },
  );
});

describe('an unset key', () => {
  it('api-key: the hint gives it on stdin (`-`), as everywhere else, never on the command line', async () => {
    const h = home();
    const r = await h.run(['config', 'get', 'api-key']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^api-key is not set in .*config\.json\nhint: Set it from stdin, out of shell history: `pbpaste \| imgcli config set api-key -` \(or type it after `imgcli config set api-key -`\)\.\n?$/,
    );
    expect(r.stderr).not.toContain('<value>');
    h.write({ profiles: { azure: { model: 'gpt-image-2' } } });
    const profile = await h.run(['--profile', 'azure', 'config', 'get', 'api-key']);
    expect(profile.stderr).toContain('`pbpaste | imgcli config set --profile azure api-key -`');
  });
});

describe('redaction', () => {
  it('shows the key as sk-...abcd in get, list, list --json and set', async () => {
    const h = home();
    const set = await h.run(['config', 'set', 'api-key', KEY]);
    await h.run(['config', 'set', '--profile', 'work', 'api-key', `${KEY}-work`]);
    const get = await h.run(['config', 'get', 'api-key']);
    expect(get.stdout).toBe('sk-...9876');
    const list = await h.run(['config', 'list']);
    expect(list.stdout).toBe('api-key = sk-...9876\n\n[profile work]\napi-key = sk-...work');
    const json = await h.run(['config', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      path: h.file,
      values: { 'api-key': 'sk-...9876' },
      profiles: { work: { 'api-key': 'sk-...work' } },
    });
    for (const r of [set, get, list, json]) expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('never shows a bad key from the file in the error', async () => {
    const h = home();
    h.write({ 'api-key': `${KEY} with spaces` });
    const r = await h.run(['config', 'list']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/api-key sk-\.\.\.aces is not valid/);
    expect(r.stderr).not.toContain(KEY);
  });
});

describe('profiles', () => {
  it('keeps profiles apart from the defaults, and selects one with --profile or IMGCLI_PROFILE', async () => {
    const h = home();
    await h.run(['config', 'set', 'model', 'gpt-image-2']);
    await h.run(['config', 'set', '--profile', 'azure', 'base-url', 'https://res.openai.azure.com/openai/v1']);
    await h.run(['config', 'set', 'auth', 'api-key'], { env: { IMGCLI_PROFILE: 'azure' } });
    expect(h.read()).toEqual({
      model: 'gpt-image-2',
      profiles: { azure: { 'base-url': 'https://res.openai.azure.com/openai/v1', auth: 'api-key' } },
    });
    // get falls back to the top-level default, as the settings do
    const model = await h.run(['--profile', 'azure', 'config', 'get', 'model']);
    expect(model.stdout).toBe('gpt-image-2');
    const only = await h.run(['config', 'list', '--profile', 'azure']);
    expect(only.stdout).toBe('[profile azure]\nbase-url = https://res.openai.azure.com/openai/v1\nauth = api-key');
    const removed = await h.run(['config', 'unset', '--profile', 'azure', '--all']);
    expect(removed.stderr).toMatch(/removed profile azure/);
    expect(h.read()).toEqual({ model: 'gpt-image-2' });
  });

  it('names the known profiles when the chosen one does not exist', async () => {
    const h = home();
    await h.run(['config', 'set', '--profile', 'local', 'base-url', 'http://127.0.0.1:8080/v1']);
    const r = await h.run(['--profile', 'nope', 'gen', 'x', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--profile nope: no such profile in .*config\.json/);
    expect(r.stderr).toMatch(/Known profiles: local/);
    const env = await h.run(['gen', 'x', '--dry-run'], { env: { IMGCLI_PROFILE: 'nope' } });
    expect(env.stderr).toMatch(/IMGCLI_PROFILE nope: no such profile/);
  });

  it('refuses a profile name that is not a plain name', async () => {
    const h = home();
    const r = await h.run(['config', 'set', '--profile', '../x', 'model', 'm']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not a valid profile name/);
  });
});

describe('a broken config file', () => {
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

  it('reports invalid JSON with its path, for config and for gen', async () => {
    const h = home();
    h.write('{"model": "gpt-image-2",');
    for (const args of [
      ['config', 'list'],
      ['gen', 'x', '--dry-run'],
      ['models', '--remote', '--dry-run'],
    ]) {
      const r = await h.run(args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`the config file ${h.file} is not valid JSON`);
      expect(r.stderr).toMatch(/mv ".*config\.json" ".*config\.json\.bak"/);
      expect(r.stdout).toBe('');
      noStack(r.stderr);
    }
    // the path still prints, so the user can find the file
    expect((await h.run(['config', 'path'])).stdout).toBe(`${h.file}`);
  });

  it.each([
    [
      { timeout: 'soon' },
      /config\.json: timeout "soon" is not valid: use a number of seconds/,
      /imgcli config unset timeout/,
    ],
    [{ modle: 'x' }, /config\.json: unknown key "modle"/, /imgcli config unset modle/],
    [
      { profiles: { azure: { auth: 'token' } } },
      /config\.json: profile "azure", auth "token" is not valid/,
      /--profile azure auth/,
    ],
    [{ size: ['1024x1024'] }, /config\.json: size must be a string or a number/, /unset size/],
    [{ profiles: 'azure' }, /"profiles" must be an object/, /Fix it by hand/],
  ])('names the bad key in %j', async (data, message, hint) => {
    const h = home();
    h.write(data);
    const r = await h.run(['gen', 'x', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    noStack(r.stderr);
  });

  it('can be repaired with unset and set, leaving the other keys alone', async () => {
    const h = home();
    h.write({ modle: 'x', timeout: 'soon', model: 'gpt-image-2' });
    expect((await h.run(['config', 'unset', 'modle'])).exitCode).toBe(0);
    expect((await h.run(['config', 'set', 'timeout', '30'])).exitCode).toBe(0);
    expect(h.read()).toEqual({ timeout: 30, model: 'gpt-image-2' });
    expect((await h.run(['config', 'list'])).stdout).toBe('timeout = 30\nmodel = gpt-image-2');
  });
});

describe('help', () => {
  it('`imgcli help config` stores the key from stdin, never from the command line', async () => {
    const r = await home().run(['help', 'config']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\$ pbpaste \| imgcli config set api-key -/);
    expect(r.stdout).not.toMatch(/config set api-key sk-/);
    // Beside its command, or above it when the page is too narrow for both.
    expect(r.stdout).toMatch(
      /config get model \|\| echo unset\s+# exit 1 when not set|# exit 1 when not set, as git config\n\s+\$ imgcli config get model \|\| echo unset/,
    );
  });
});
