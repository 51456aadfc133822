// `imgcli batch --gallery`: after the run, one page of every image made (in job order), written
// even when some jobs failed, named in the GitHub step summary with a link to the run's
// artifacts; its place is checked before anything is sent.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

const JOBS = [
  '"a calm lake"',
  '{"prompt": "a hill at noon", "count": 2}',
  '"something forbidden"',
  '{"prompt": "a red kite", "out": "kite.png"}',
].join('\n');
const batch = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  imgcliInProcess(['--base-url', mock.url, 'batch', '-', '-q', 'low', ...args], { cwd, input: `${JOBS}\n`, env });
const cardPaths = (html: string) => [...html.matchAll(/<li class="card" data-path="([^"]*)"/g)].map((m) => m[1]);

describe('imgcli batch --gallery', () => {
  it('writes <-o>/gallery.html of what the jobs made, in job order, though a job failed; the summary names it and links to the artifacts', async () => {
    const cwd = tempDir();
    const summary = join(cwd, 'summary.md');
    const r = await batch(cwd, ['-o', 'out', '--gallery'], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'acme/assets',
      GITHUB_RUN_ID: '1234',
    });
    expect(r.exitCode).toBe(7);
    // stdout stays one JSON line per job: the gallery is reported on stderr.
    expect(
      r.stdout
        .split('\n')
        .map((l) => JSON.parse(l).status)
        .sort(),
    ).toEqual(['failed', 'ok', 'ok', 'ok']);
    expect(r.stderr).toMatch(
      /^gallery: out\/gallery\.html: 4 images \(4 with provenance\), \d+ KB\nbatch: 3 of 4 jobs done, 1 failed/,
    );
    const html = readFileSync(join(cwd, 'out/gallery.html'), 'utf8');
    expect(cardPaths(html)).toEqual([
      'out/a-calm-lake-20261201-120000.png',
      'out/a-hill-at-noon-20261201-120000-1.png',
      'out/a-hill-at-noon-20261201-120000-2.png',
      'kite.png',
    ]);
    // Links are relative to the page, which sits in out/.
    expect(html).toContain('<a class="thumb" href="a-calm-lake-20261201-120000.png"');
    expect(html).toContain('<a class="thumb" href="../kite.png"');
    expect(html).toContain('<title>imgcli batch: stdin</title>');
    expect(readFileSync(summary, 'utf8')).toMatch(
      /\| line 3 \| gpt-image-2 \| {2}\| {2}\| failed: [\s\S]*\n\*\*Gallery:\*\* `out\/gallery\.html`, 4 images\. Uploaded with actions\/upload-artifact, it is listed with \[this run's artifacts\]\(https:\/\/github\.example\/acme\/assets\/actions\/runs\/1234#artifacts\)\.\n\n$/,
    );
  });

  it('--gallery <file> writes there (over anything); the default place is refused before any request when a page imgcli did not write is there', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'review'));
    writeFileSync(join(cwd, 'review/index.html'), '<p>old</p>');
    const named = await batch(cwd, ['--gallery', 'review/index.html']);
    expect(named.exitCode).toBe(7);
    expect(cardPaths(readFileSync(join(cwd, 'review/index.html'), 'utf8'))).toHaveLength(4);
    writeFileSync(join(cwd, 'gallery.html'), '<p>mine</p>');
    mock.requests.length = 0;
    const refused = await batch(cwd, ['--gallery']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe(
      'error: gallery.html exists and is not a gallery imgcli wrote; it is left alone\nhint: Name another file with -o, or -o that file to replace it.',
    );
    expect(refused.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
    expect(readFileSync(join(cwd, 'gallery.html'), 'utf8')).toBe('<p>mine</p>');
  });
});
