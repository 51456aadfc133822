// The system's Chromium, driven by puppeteer-core, for the tests that open pages imgcli writes.
// No browser is downloaded: the Debian package `chromium` provides it (.ci/run installs it), and a
// machine without it fails the tests with a message saying so, rather than skipping them.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
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
    `The browser tests need Chromium and found none (looked in ${candidates.join(', ')}). ` +
      'Install the Debian package chromium (sudo apt-get install -y chromium; macOS: brew install --cask chromium), ' +
      'or set PUPPETEER_EXECUTABLE_PATH to a Chromium or Chrome binary. .ci/run installs it in CI.',
  );
}

/**
 * A headless Chromium with a fresh profile in `profileDir` and nothing running in the background:
 * without these flags Chromium reaches for update, sync and component servers on its own.
 */
export function launchChromium(profileDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: findChromium(),
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
}
