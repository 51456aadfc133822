// Label text without fontconfig noise. sharp's prebuilt libvips carries its own fontconfig,
// which reads the system's /etc/fonts/fonts.conf and caches font lists in the folders named
// there. Two situations make it print to stderr on the first text it lays out:
//   "Fontconfig error: Cannot load default config file" where no /etc/fonts exists (slim and
//   Alpine images, some serverless hosts; it still renders, with whatever font it finds), and
//   "Fontconfig error: No writable cache directories" for a user with no writable cache folder
//   (HOME unset or read-only) when the system's cache is not in its cache format.
// The remedy: a private configuration file that includes the system's (when there is one),
// lists the usual font folders itself, and puts a writable cache folder of ours first; then
// FONTCONFIG_FILE names it. fontconfig reads the variable when it first loads, at the first text
// rendered, so setting it at any point before that works, even after sharp is imported.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SYSTEM_FONTCONFIG = '/etc/fonts/fonts.conf';

export interface FontconfigSetup {
  /** A folder only this user writes to (fontconfig trusts what it finds there). */
  cacheDir: string;
  fontDirs: string[];
  systemConfig?: string;
}

/** Where Linux keeps fonts, whether or not a configuration says so. */
export function defaultFontDirs(home?: string): string[] {
  const user = home ? [join(home, '.local', 'share', 'fonts'), join(home, '.fonts')] : [];
  return ['/usr/share/fonts', '/usr/local/share/fonts', ...user];
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The configuration file's text. Missing font folders are skipped by fontconfig, silently. */
export function fontconfigXml(setup: FontconfigSetup): string {
  const system = setup.systemConfig ?? SYSTEM_FONTCONFIG;
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    '<!-- Written by imgcli for its text rendering; safe to delete. -->',
    '<fontconfig>',
    // First, so it is the one written to when the system's caches do not fit this fontconfig.
    `  <cachedir>${xml(setup.cacheDir)}</cachedir>`,
    `  <include ignore_missing="yes">${xml(system)}</include>`,
    ...setup.fontDirs.map((d) => `  <dir>${xml(d)}</dir>`),
    // Without the system's rules nothing says which font "sans-serif" is; name the common ones.
    '  <alias><family>sans-serif</family><prefer>',
    '    <family>DejaVu Sans</family><family>Liberation Sans</family><family>Noto Sans</family>',
    '    <family>Arial</family><family>Helvetica</family>',
    '  </prefer></alias>',
    '</fontconfig>',
    '',
  ].join('\n');
}

export interface QuietOptions {
  platform: string;
  home?: string;
  pid?: number;
}

/**
 * Writes the private configuration into `dir` and sets FONTCONFIG_FILE in `env` (the command
 * passes process.env). Linux only: sharp's macOS and Windows builds find system fonts by
 * themselves. A FONTCONFIG_FILE or FONTCONFIG_PATH already set is the user's choice and is kept.
 * Returns the file set, or undefined when nothing changed; never throws (at worst the noise
 * comes back), so a read-only disk cannot stop a render.
 */
export async function quietFontconfig(
  env: Record<string, string | undefined>,
  dir: string,
  opts: QuietOptions,
): Promise<string | undefined> {
  if (opts.platform !== 'linux' || env.FONTCONFIG_FILE || env.FONTCONFIG_PATH) return undefined;
  const file = join(dir, 'fonts.conf');
  const text = fontconfigXml({ cacheDir: join(dir, 'cache'), fontDirs: defaultFontDirs(opts.home) });
  try {
    await mkdir(join(dir, 'cache'), { recursive: true, mode: 0o700 });
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current !== text) {
      // Renamed into place: two runs starting at once never read half a file.
      const temp = `${file}.${opts.pid ?? 0}.tmp`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, file);
    }
  } catch {
    return undefined;
  }
  env.FONTCONFIG_FILE = file;
  return file;
}
