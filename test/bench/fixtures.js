// Big inputs the cases need, made once with sharp and kept in the OS temp folder between runs
// (a version in the folder name lets a change of recipe make fresh ones).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export const CACHE = join(tmpdir(), 'imgcli-bench-cache');

async function once(path, make) {
  if (existsSync(path)) return path;
  mkdirSync(join(path, '..'), { recursive: true });
  const part = `${path}.${process.pid}.part`;
  await make(part);
  renameSync(part, path);
  return path;
}

/**
 * `count` PNGs of about 40 MB each: random pixels do not compress, so file size follows the
 * pixel count (3650x3650 RGB is 40 MB raw). Stored uncompressed so making them is quick.
 */
export async function uploadImages(count = 16) {
  const side = 3650;
  const paths = [];
  for (let i = 1; i <= count; i++) {
    const path = join(CACHE, 'upload-v1', `noise-${String(i).padStart(2, '0')}.png`);
    paths.push(
      await once(path, (part) =>
        sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
          .png({ compressionLevel: 0, adaptiveFiltering: false })
          .toFile(part),
      ),
    );
  }
  return { paths, totalBytes: paths.reduce((sum, p) => sum + statSync(p).size, 0) };
}

/**
 * A 4096x4096 black-and-white drawing, the kind people turn into masks: white paper with black
 * blobs and strokes where the edit should go. Greyscale 8-bit PNG, only 0 and 255.
 */
export async function maskDrawing() {
  const size = 4096;
  const path = join(CACHE, 'mask-v1', 'drawing-4096.png');
  return once(path, async (part) => {
    const shapes = [];
    // A fixed pattern, so every run converts the same picture.
    for (let i = 0; i < 24; i++) {
      const x = (i * 1543) % size;
      const y = (i * 2971) % size;
      const r = 80 + ((i * 337) % 420);
      shapes.push(
        i % 3 === 0
          ? `<rect x="${x}" y="${y}" width="${r * 2}" height="${r}" />`
          : `<circle cx="${x}" cy="${y}" r="${r}" />`,
      );
    }
    shapes.push(
      `<path d="M 200 3800 C 1200 2600, 2600 4000, 3900 2400" stroke="black" stroke-width="140" fill="none" />`,
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="white"/><g fill="black">${shapes.join('')}</g></svg>`;
    await sharp(Buffer.from(svg)).removeAlpha().greyscale().threshold(128).toColourspace('b-w').png().toFile(part);
  });
}

/**
 * `count` images imgcli made, provenance and all, for the gallery case: 1024x1024 PNGs from the
 * offline server (a prompt each, so every picture differs), written once by `imgcli batch`.
 */
export async function galleryImages(ctx, url, count = 1000) {
  const dir = join(CACHE, `gallery-v1-${count}`);
  await once(dir, async (part) => {
    mkdirSync(part, { recursive: true });
    const jobs = Array.from({ length: count }, (_, i) =>
      JSON.stringify({
        prompt: `bench gallery picture ${i + 1}`,
        out: join(part, `img-${String(i + 1).padStart(4, '0')}.png`),
      }),
    );
    const jobsFile = join(part, '..', `jobs-${process.pid}.jsonl`);
    writeFileSync(jobsFile, `${jobs.join('\n')}\n`);
    const r = spawnSync(
      ctx.imgcli[0],
      [...ctx.imgcli.slice(1), 'batch', jobsFile, '-q', 'low', '-s', '1024x1024', '--concurrency', '8'],
      { env: ctx.env(url), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    rmSync(jobsFile, { force: true });
    if (r.status !== 0) throw new Error(`making the gallery fixtures failed: ${r.stderr.slice(-500)}`);
  });
  return { dir, bytes: readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) };
}

/**
 * A detailed 4096x4096 black-and-white picture: random noise thresholded to 0 and 255, the worst
 * case for PNG filters and deflate (every row differs), as a photo turned black and white is.
 */
export async function maskDetailed() {
  const size = 4096;
  const path = join(CACHE, 'mask-v1', 'noise-4096.png');
  return once(path, (part) =>
    sharp(randomBytes(size * size), { raw: { width: size, height: size, channels: 1 } })
      .threshold(128)
      .toColourspace('b-w')
      .png()
      .toFile(part),
  );
}
