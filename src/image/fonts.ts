// Text drawn through sharp (the offline server's labels) without Fontconfig noise on stderr.
// sharp's prebuilt libvips carries its own Fontconfig, which by default reads the system's
// /etc/fonts/fonts.conf and the caches in the folders it names. It then prints, from native code,
// on the first text it lays out:
//   "Fontconfig warning: We will not regenerate the cache because some cache files were generated
//   by a newer version ..." on every run once the system's (or another program's) newer Fontconfig
//   has written a cache that has since gone stale;
//   "Fontconfig error: Cannot load default config file" where no /etc/fonts exists (slim images);
//   "Fontconfig error: No writable cache directories" for a user with no writable cache folder.
// The remedy: a configuration file of our own that lists the font folders itself (the usual ones
// and those the system's file names) and one cache folder of ours, named by the bundled
// Fontconfig's version, so no cache another version wrote is ever read; FONTCONFIG_FILE names it.
// Fontconfig reads the variable when it first loads, at the first text drawn, so setting it any
// time before that works, even after sharp is imported.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SYSTEM_FONTCONFIG = '/etc/fonts/fonts.conf';

export interface FontconfigSetup {
  /** A folder only this user writes to (Fontconfig trusts what it finds there). */
  cacheDir: string;
  fontDirs: string[];
}

/** Where Linux keeps fonts, whether or not a configuration says so. */
export function defaultFontDirs(home?: string): string[] {
  const user = home ? [join(home, '.local', 'share', 'fonts'), join(home, '.fonts')] : [];
  return ['/usr/share/fonts', '/usr/local/share/fonts', ...user];
}

/** The plain <dir> entries of a Fontconfig file (NixOS and others keep fonts elsewhere); none when it cannot be read. */
export function configuredFontDirs(file: string): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/<dir>\s*([^<\s][^<]*?)\s*<\/dir>/g)].map((m) => m[1]!).filter((d) => d.startsWith('/'));
  } catch {
    return [];
  }
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The configuration file's text: our cache folder alone (so no other Fontconfig's cache is read),
 * the font folders (missing ones are skipped by Fontconfig, silently), and which fonts
 * "sans-serif" means, which without the system's rules nothing else says.
 */
export function fontconfigXml(setup: FontconfigSetup): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    '<!-- Written by imgcli for the text it draws; safe to delete. -->',
    '<fontconfig>',
    `  <cachedir>${xml(setup.cacheDir)}</cachedir>`,
    ...[...new Set(setup.fontDirs)].map((d) => `  <dir>${xml(d)}</dir>`),
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
  /** The system's file, whose font folders are listed too (default /etc/fonts/fonts.conf). */
  systemConfig?: string;
}

/**
 * Writes the private configuration into `dir` and sets FONTCONFIG_FILE in `env` (the caller
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
  const fontDirs = [...defaultFontDirs(opts.home), ...configuredFontDirs(opts.systemConfig ?? SYSTEM_FONTCONFIG)];
  const text = fontconfigXml({ cacheDir: join(dir, 'cache'), fontDirs });
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

/**
 * The folder for imgcli's Fontconfig file and cache: under the user's cache folder
 * ($XDG_CACHE_HOME, else ~/.cache), else the system's temp folder; one per Fontconfig version
 * (`version`, as sharp.versions.fontconfig gives it), so no version reads another's cache.
 */
export function fontconfigDir(env: Record<string, string | undefined>, version = 'unknown'): string {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const leaf = `fontconfig-${version.replace(/[^\w.-]/g, '_')}`;
  return base ? join(base, 'imgcli', leaf) : join(tmpdir(), `imgcli-${process.getuid?.() ?? 'user'}`, leaf);
}
