// Windows as a system: the config folder under %APPDATA%, Ctrl-C, and a file that another
// program holds open.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WORK, ensure, imgcli, linuxPath, listing, sha256, startImgcli, startTool, tempFiles } from './harness.js';

// The config checks look at the Windows default, so IMGCLI_CONFIG_DIR is left out.
const defaultConfig = { env: { IMGCLI_CONFIG_DIR: undefined } };

async function waitFor(condition, ms, what) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`gave up after ${ms / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

export function configChecks({ windows }) {
  const appData = windows.env.APPDATA;
  return [
    {
      name: 'config path points under %APPDATA%',
      run() {
        const r = imgcli(['config', 'path'], defaultConfig);
        ensure(r.code === 0, 'config path failed', r);
        const path = r.stdout.trim();
        const under = path.toLowerCase().startsWith(`${appData.toLowerCase()}\\imgcli\\`);
        ensure(under && path.endsWith('\\config.json'), `${path} is not under %APPDATA% (${appData})`, r);
      },
    },
    {
      name: 'config set / get round trip in %APPDATA% (a value, and the key from stdin, redacted)',
      run() {
        rmSync(linuxPath(`${appData}\\imgcli`), { recursive: true, force: true });
        const set = imgcli(['config', 'set', 'model', 'gpt-image-1.5'], defaultConfig);
        ensure(set.code === 0, 'config set model failed', set);
        const get = imgcli(['config', 'get', 'model'], defaultConfig);
        ensure(get.code === 0 && get.stdout.trim() === 'gpt-image-1.5', 'config get model', get);
        const key = imgcli(['config', 'set', 'api-key', '-'], { ...defaultConfig, stdin: 'sk-smoke-test-1234\r\n' });
        ensure(key.code === 0, 'config set api-key - failed', key);
        const shown = imgcli(['config', 'get', 'api-key'], defaultConfig);
        ensure(shown.code === 0 && shown.stdout.trim() === 'sk-...1234', 'config get api-key (redacted)', shown);
        const file = linuxPath(imgcli(['config', 'path'], defaultConfig).stdout.trim());
        const saved = JSON.parse(readFileSync(file, 'utf8'));
        ensure(JSON.stringify(saved).includes('gpt-image-1.5'), `${file} does not hold the model`);
        ensure(imgcli(['config', 'unset', 'model'], defaultConfig).code === 0, 'config unset model failed');
        const gone = imgcli(['config', 'get', 'model'], defaultConfig);
        ensure(gone.code === 1 && gone.stdout === '', 'config get of an unset key should exit 1', gone);
      },
    },
  ];
}

export function signalChecks() {
  return [
    {
      // Wine turns a SIGINT sent to node.exe's Unix process into a CTRL_C_EVENT for that process,
      // which Node reports as SIGINT, as Ctrl-C in a console does.
      name: 'Ctrl-C while a request is in flight: exit 130, nothing written, no temp files',
      async run() {
        // A server that takes the request and never answers: the check knows the moment it
        // arrives (the offline server logs a request only once it has answered it).
        let arrived = false;
        const server = createServer((req) => {
          if (req.method === 'POST' && req.url === '/v1/images/generations') arrived = true;
          req.resume();
        });
        await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
        const url = `http://127.0.0.1:${server.address().port}/v1`;
        let cli;
        try {
          const env = { IMGCLI_MOCK: undefined, OPENAI_API_KEY: 'sk-smoke-test-0000' };
          cli = startImgcli(['gen', 'a slow answer', '--base-url', url, '-o', 'interrupted\\slow.png'], { env });
          await waitFor(() => arrived, 60_000, 'the request to arrive');
          cli.child.kill('SIGINT');
          const r = await Promise.race([cli.done, sleep(20_000).then(() => undefined)]);
          ensure(r, 'imgcli did not exit within 20 s of SIGINT');
          ensure(r.code === 130 && r.stdout === '', 'expected exit 130 and nothing on stdout', r);
          const left = listing(join(WORK, 'interrupted'));
          ensure(left.length === 0, `files left behind: ${left}`, r);
        } finally {
          if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
          server.closeAllConnections();
          server.close();
        }
      },
    },
    {
      name: 'gen -o onto a file another program holds open (sharing violation) explains itself',
      async run() {
        const dir = join(WORK, 'held');
        mkdirSync(dir, { recursive: true });
        copyFileSync(join(WORK, 'fixtures', 'photo.png'), join(dir, 'held.png'));
        const before = sha256(join(dir, 'held.png'));
        const holder = startTool('hold-file.exe', ['held\\held.png', 'held\\ready', '60']);
        try {
          await waitFor(() => existsSync(join(dir, 'ready')), 30_000, 'hold-file.exe to open held.png');
          const r = imgcli(['gen', 'onto a held file', '-o', 'held\\held.png']);
          ensure(r.code !== 0, 'imgcli says it replaced a file that another program holds open', r);
          ensure(sha256(join(dir, 'held.png')) === before, 'held.png changed while held open', r);
          ensure(tempFiles(dir).length === 0, `temp files left: ${tempFiles(dir)}`, r);
          const hint = r.stderr
            .split('\n')
            .filter((l) => l.startsWith('hint:'))
            .join(' ');
          ensure(!/free some space/i.test(hint), 'the hint blames disk space for a file held open', r);
          ensure(/in use|another program|locked|sharing|close/i.test(r.stderr), 'nothing says the file is in use', r);
        } finally {
          holder.kill();
        }
      },
    },
  ];
}
