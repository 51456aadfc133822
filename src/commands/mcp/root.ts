// The root of `imgcli mcp`: the one folder its tools write under, and the folders they read from.
// An agent names paths; a path is judged by where it really leads, not by how it is spelled: it is
// resolved against the root, `..` is refused outright (after a link, `dir/..` is not where it
// reads), and the nearest part of it that exists is resolved through every link (realpath), so a
// link inside the root that leads out is out. The rest of it does not exist yet, so it is no link.
// Inside the root too, a write never lands in a .git folder, and an image is written only under an
// image's name (or into a folder), so an `out` cannot turn README.md or a hook into PNG bytes.
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { EXTENSIONS, formatFromExtension } from '../../image/format.js';

/**
 * What a path is for, in messages: "out", "images[0]", "mask". `image`: a written image, so a file
 * named as one (.png, .jpg...) or a folder named with a trailing /, never a README or a script.
 */
export type PathUse = { name: string; kind: 'read' | 'write'; image?: boolean };

/** The names of the image files imgcli writes, for messages: .png, .jpg (or .jpeg), .webp... */
const IMAGE_NAMES = Object.values(EXTENSIONS).map((e) => `.${e}`);

export class Root {
  private constructor(
    /** The root as given, resolved (what relative paths are relative to). */
    readonly dir: string,
    /** Its real path, and those of the --allow-read folders. */
    private readonly real: string,
    private readonly readable: readonly string[],
  ) {}

  /** The root and the extra folders reads may come from; each must exist (a typo is refused at start). */
  static async open(dir: string, allowRead: readonly string[] = []): Promise<Root> {
    const base = resolve(dir);
    const real = await existingFolder(base, '--root');
    const extra = await Promise.all(allowRead.map((d) => existingFolder(resolve(base, d), '--allow-read')));
    return new Root(base, real, extra);
  }

  /**
   * The path as the tools pass it on (relative to the root where it is inside it), or a UsageError
   * naming the argument and what it may be. Reads may also come from the --allow-read folders.
   */
  async check(path: string, use: PathUse): Promise<string> {
    const what = `${use.name} ${JSON.stringify(path)}`;
    if (path === '' || path === '-')
      throw new UsageError(
        `${what}: ${path === '-' ? 'stdin and stdout carry the protocol here' : 'the path is empty'}`,
        use.kind === 'write' ? 'Name a file or folder under the root.' : 'Name a file under the root.',
      );
    if (path.includes('\0')) throw new UsageError(`${what}: a path holds no NUL character`);
    if (path.split(/[\\/]/).includes('..'))
      throw new UsageError(
        `${what} climbs with ..: paths here may not (after a link, dir/.. is not where it reads)`,
        `Name it from the root (${this.dir}) down, without ..`,
      );
    if (use.image && !/[\\/]$/.test(path) && !formatFromExtension(extname(path)))
      throw new UsageError(
        `${what} is not an image file: imgcli mcp writes only ${IMAGE_NAMES.join(', ')} files (or .jpeg), or into a folder named with a trailing /`,
        'Name an image file (art/fox.png) or a folder (art/) under the root.',
      );
    const full = resolve(this.dir, path);
    const real = await realOf(full);
    const inside = within(real, this.real);
    // A repository's hooks and config run code: no write lands in its .git, however it is reached.
    if (
      inside &&
      use.kind === 'write' &&
      relative(this.real, real)
        .split(sep)
        .some((p) => p.toLowerCase() === '.git')
    )
      throw new UsageError(
        `${what} is inside a .git folder${real === full ? '' : ` (it leads to ${real})`}; imgcli mcp never writes there`,
        `Name a path under ${this.dir} outside .git.`,
      );
    if (inside || (use.kind === 'read' && this.readable.some((d) => within(real, d))))
      return isAbsolute(path) ? full : relative(this.dir, full) || '.';
    const how = real === full ? '' : ` (it leads to ${real})`;
    const where =
      use.kind === 'read' && this.readable.length ? `the root ${this.dir} or an --allow-read folder` : this.dir;
    throw new UsageError(
      `${what} is outside ${where}${how}; imgcli mcp ${use.kind === 'write' ? 'writes' : 'reads'} only there`,
      use.kind === 'write'
        ? `Name a path under ${this.dir}, or start the server with another --root.`
        : `Name a file under ${this.dir}, or start the server with --allow-read <folder>.`,
    );
  }
}

/** Whether `path` is `dir` or lies under it (both real paths). */
function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The real path of a path that may not exist yet: its nearest existing part resolved, the rest appended. */
async function realOf(full: string, hops = 0): Promise<string> {
  const rest: string[] = [];
  let at = full;
  for (;;) {
    const found = await lstat(at).catch(() => undefined);
    if (found) {
      // A dangling link (realpath fails on it) is judged by where it points, as a write would follow it.
      const real = await realpath(at).catch(async () =>
        found.isSymbolicLink() && hops < 40 ? realOf(resolve(dirname(at), await readlink(at)), hops + 1) : at,
      );
      return rest.length ? join(real, ...rest.reverse()) : real;
    }
    const up = dirname(at);
    if (up === at) return full;
    rest.push(at.slice(up.length).replace(/^[\\/]/, ''));
    at = up;
  }
}

async function existingFolder(dir: string, flag: string): Promise<string> {
  const real = await realpath(dir).catch(() => undefined);
  const stats = real ? await lstat(real).catch(() => undefined) : undefined;
  if (!real || !stats?.isDirectory())
    throw new UsageError(`${flag} ${dir} is not a folder`, `Give ${flag} an existing folder.`);
  return real;
}
