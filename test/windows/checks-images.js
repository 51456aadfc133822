// mask, edit, vary and gallery under Windows Node: sharp's Windows build at work, Windows paths in
// and out. The offline server changes only the pixels a mask marks editable, so the edit check
// can prove the mask travelled intact.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { WORK, ensure, imgcli, listing } from './harness.js';

const ok = (r, what) => ensure(r.code === 0, `${what} failed`, r);

// Rows [from, to) of two same-sized images: how many bytes differ.
async function differingBytes(a, b, from, to) {
  const [x, y] = await Promise.all(
    [a, b].map((f) => sharp(f).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  ensure(x.info.width === y.info.width && x.info.height === y.info.height, 'the images differ in size');
  const row = x.info.width * x.info.channels;
  let count = 0;
  for (let i = from * row; i < to * row; i++) if (x.data[i] !== y.data[i]) count++;
  return count;
}

export function imageChecks() {
  return [
    {
      name: 'mask --rect --ellipse -o masks\\mask.png, then mask --check accepts it',
      run() {
        const shapes = ['--like', 'fixtures\\photo.png', '--rect', '0,512,1024,512', '--ellipse', '512,300,100,80'];
        const r = imgcli(['mask', ...shapes, '-o', 'masks\\mask.png', '--json']);
        ok(r, 'mask');
        const made = JSON.parse(r.stdout).files[0];
        ensure(made.path === 'masks\\mask.png', `mask path is ${made.path}`, r);
        // Half the picture plus an ellipse of pi*100*80 pixels: about 52.4 %.
        ensure(Math.abs(made.editable_percent - 52.4) < 0.5, `editable_percent is ${made.editable_percent}`, r);
        const check = imgcli(['mask', '--check', 'masks\\mask.png', '--like', 'fixtures\\photo.png', '--json']);
        ok(check, 'mask --check');
        const verdict = JSON.parse(check.stdout);
        ensure(verdict.valid === true && verdict.has_alpha === true, `mask --check says ${check.stdout}`, check);
      },
    },
    {
      name: 'edit fixtures\\photo.png --mask fixtures\\mask.png changes only the masked pixels',
      async run() {
        const r = imgcli([
          'edit',
          'fixtures\\photo.png',
          '--mask',
          'fixtures\\mask.png',
          '-p',
          'a red boat',
          '-o',
          'edits\\edit.png',
        ]);
        ok(r, 'edit');
        ensure(r.stdout.trim() === 'edits\\edit.png', 'stdout should be edits\\edit.png', r);
        const photo = join(WORK, 'fixtures', 'photo.png');
        const edit = join(WORK, 'edits', 'edit.png');
        // The mask (checks.js) marks the bottom half editable, rows 512 and below.
        const kept = await differingBytes(photo, edit, 0, 500);
        const changed = await differingBytes(photo, edit, 600, 1024);
        ensure(kept === 0, `${kept} bytes changed outside the mask`);
        ensure(changed > 0, 'nothing changed inside the mask');
      },
    },
    {
      name: 'vary fixtures\\photo.png -n 2 -o vars\\ writes two variations',
      run() {
        const r = imgcli(['vary', 'fixtures\\photo.png', '-n', '2', '-o', 'vars\\']);
        ok(r, 'vary');
        const files = listing(join(WORK, 'vars')).filter((f) => f.endsWith('.png'));
        ensure(files.length === 2, `vars/ holds ${JSON.stringify(files)}`, r);
        const printed = r.stdout.trim().split(/\r?\n/);
        ensure(
          printed.every((p) => p.startsWith('vars\\')),
          'stdout should list vars\\<name> paths',
          r,
        );
      },
    },
    {
      name: 'gallery of Windows folders links its images with / (a URL), not \\',
      run() {
        const r = imgcli(['gallery', 'fixtures', '-o', 'site\\gallery.html']);
        ok(r, 'gallery');
        const html = readFileSync(join(WORK, 'site', 'gallery.html'), 'utf8');
        const links = [...html.matchAll(/href="([^"]+\.png)"/g)].map((m) => m[1]);
        ensure(links.includes('../fixtures/photo.png'), `links: ${links}`, r);
        ensure(!links.some((l) => l.includes('\\')), `a link holds a backslash: ${links}`, r);
      },
    },
  ];
}
