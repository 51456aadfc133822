// A headless Chromium, driven by puppeteer-core, for the tests that open pages imgcli writes.
// Nothing is downloaded. In order: PUPPETEER_EXECUTABLE_PATH; a Chrome or Chromium installed in the
// usual places; on Linux x64, the Chromium that the devDependency @sparticuz/chromium carries
// inside its npm package (so `npm ci && npm test` passes on a machine that has only Node). Where
// none can be had, the tests fail with a message saying what to install, rather than skipping.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';
import { ROOT } from './cli.js';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** PUPPETEER_EXECUTABLE_PATH, else the usual places; throws a message that says what to install. */
export function findChromium(
  env: Record<string, string | undefined> = process.env,
  candidates: readonly string[] = CANDIDATES,
): string {
  const named = env.PUPPETEER_EXECUTABLE_PATH;
  if (named) {
    if (existsSync(named)) return named;
    throw new Error(
      `PUPPETEER_EXECUTABLE_PATH=${named} does not exist; point it at a Chromium or Chrome binary, or unset it to use /usr/bin/chromium.`,
    );
  }
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new Error(
    `The browser tests need Chromium and found none (looked in ${candidates.join(', ')}; on Linux x64 the devDependency @sparticuz/chromium brings one with npm ci). ` +
      'Install the Debian package chromium (sudo apt-get install -y chromium; macOS: brew install --cask chromium), ' +
      'or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary.',
  );
}

interface Found {
  path: string;
  /** Environment for that binary (the bundled one brings its own libraries and fonts). */
  env?: Record<string, string | undefined>;
}

/**
 * @sparticuz/chromium's binary, unpacked once per package version into node_modules/.cache (gone
 * with the next npm ci). The package unpacks into os.tmpdir(), so a child process does it with
 * TMPDIR pointed at a staging folder, renamed into place when whole: nothing lands in the real temp
 * folder (test/broken-pipe.test.ts counts its files) and a half-written binary is never used. Its
 * AWS_EXECUTION_ENV makes the package unpack the libraries (NSS, expat) it ships for Amazon Linux,
 * which a machine with only Node lacks as well. undefined where the package has no binary.
 */
async function bundledChromium(): Promise<Found | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(ROOT, 'node_modules', '.cache', 'imgcli-test-chromium', version);
  if (!existsSync(join(dir, 'chromium'))) {
    const staging = `${dir}.${process.pid}.tmp`;
    removeStaleStaging(dirname(dir));
    mkdirSync(staging, { recursive: true });
    try {
      const unpack = `const { default: c } = await import(${JSON.stringify(entry)}); await c.executablePath();`;
      await promisify(execFile)(process.execPath, ['--input-type=module', '-e', unpack], {
        env: { ...process.env, TMPDIR: staging, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' },
      });
      // Only the fonts it ships, so pages lay out the same whatever the machine has installed.
      writeFileSync(
        join(staging, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${dir}/fonts/fonts</dir>\n  <cachedir>${dir}/fontconfig-cache</cachedir>\n</fontconfig>\n`,
      );
      renameSync(staging, dir);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      // Another run unpacked it first: use theirs.
      if (!existsSync(join(dir, 'chromium'))) throw err;
    }
  }
  const libs = join(dir, 'al2023', 'lib');
  return {
    path: join(dir, 'chromium'),
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
  };
}

/** Staging folders (about 200 MB each) left by runs killed while unpacking: their pid is gone. */
function removeStaleStaging(parent: string): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return pid !== process.pid;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    const pid = Number(/\.(\d+)\.tmp$/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** The browser to drive, in the order above; throws findChromium's message where there is none. */
async function locateChromium(): Promise<Found> {
  try {
    return { path: findChromium() };
  } catch (err) {
    if (process.env.PUPPETEER_EXECUTABLE_PATH) throw err;
    const bundled = await bundledChromium();
    if (bundled) return bundled;
    throw err;
  }
}

/**
 * A headless Chromium with a fresh profile in `profileDir` and nothing running in the background:
 * without these flags Chromium reaches for update, sync and component servers on its own.
 */
export async function launchChromium(profileDir: string): Promise<Browser> {
  const { path, env } = await locateChromium();
  const launching = puppeteer.launch({
    executablePath: path,
    ...(env ? { env } : {}),
    // headless: true passes --headless itself.
    headless: true,
    userDataDir: profileDir,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  if (!env) return launching;
  return launching.catch((err: Error) => {
    throw new Error(
      `The Chromium of @sparticuz/chromium (${path}) did not start: ${err.message}\n` +
        'Install the Debian package chromium (sudo apt-get install -y chromium), or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary.',
      { cause: err },
    );
  });
}
