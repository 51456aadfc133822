// Concurrent `config set` runs (parallel CI steps, a make -j of setup rules) each read the file,
// change one key and write it back: under the config lock every change survives, and no lock is
// left behind.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imgcli, tempDir } from './helpers/cli.js';

describe('config set, eight at once', () => {
  it('keeps every profile, in each of two rounds', async () => {
    const cwd = tempDir();
    for (const round of [1, 2]) {
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          imgcli(['config', 'set', '--profile', `p${round}-${i}`, 'size', '1024x1024'], { cwd, timeout: 60_000 }),
        ),
      );
      for (const r of runs) {
        expect(r.stderr).not.toMatch(/error|warning/);
        expect(r.exitCode).toBe(0);
      }
    }
    const file = join(cwd, 'config', 'config.json');
    const profiles = Object.keys(JSON.parse(readFileSync(file, 'utf8')).profiles).sort();
    expect(profiles).toEqual([1, 2].flatMap((round) => Array.from({ length: 8 }, (_, i) => `p${round}-${i}`)).sort());
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
