// A folder where the README's and --help's examples can run as printed: the files they name
// (photo.png, room.jpg, a drawing for --mask-from, jobs.jsonl...), a config with an "azure"
// profile, and a bin folder that puts `imgcli` (and stand-ins for tools a test machine may
// lack) on PATH.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { BIN, tempDir } from './cli.js';

export interface Playground {
  dir: string;
  bin: string;
}

const solid = (width: number, height: number, colour: { r: number; g: number; b: number }) =>
  sharp({ create: { width, height, channels: 3, background: colour } });

/** A black shape on white: what --mask-from and `imgcli mask` read as "edit here". */
const drawing = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite([
    {
      input: {
        create: { width: Math.round(width / 3), height: Math.round(height / 3), channels: 3, background: '#000000' },
      },
      left: Math.round(width / 3),
      top: Math.round(height / 3),
    },
  ]);

/** RGBA, transparent in the middle third: a mask (or a cutout) the edits endpoint takes. */
async function withHole(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 4, 255);
  for (let y = Math.round(height / 3); y < (2 * height) / 3; y++) {
    for (let x = Math.round(width / 3); x < (2 * width) / 3; x++) pixels[(y * width + x) * 4 + 3] = 0;
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

function executable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** The jobs file: the README's own example lines, so they are run too. */
export function makePlayground(opts: { azureOrigin: string; jobs: string }): Promise<Playground> {
  const dir = tempDir('imgcli-examples-');
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  mkdirSync(join(dir, 'out'));
  executable(join(bin, 'imgcli'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
  // macOS's clipboard, as the examples use it: prints a (fake) key.
  executable(join(bin, 'pbpaste'), '#!/bin/sh\necho sk-example-0000000000000000abcd\n');
  // The README's catalogue: 1,000 medium 1024x1024 jobs for the batch price example (a dry run).
  const catalogue = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify({
      prompt: `studio photo of product ${i + 1}, white background`,
      out: `catalogue/${i + 1}.png`,
      size: '1024x1024',
      quality: 'medium',
    }),
  ).join('\n');
  for (const [name, text] of Object.entries({
    'prompt.txt': 'a lighthouse at dusk\n',
    'brief.txt': 'add a red scarf\n',
    'icon.txt': 'app icon, flat\n',
    'jobs.jsonl': opts.jobs,
    // `imgcli markup --file`: a box and the label that names it.
    'marks.json': `${JSON.stringify({
      shapes: [
        { type: 'box', at: [0.1, 0.2, 0.4, 0.5], color: 'red' },
        { type: 'label', text: 'a bookshelf here' },
      ],
      defaults: { width: 6 },
    })}\n`,
    'catalogue.jsonl': `${catalogue}\n`,
  })) {
    writeFileSync(join(dir, name), text);
  }
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'config', 'config.json'),
    JSON.stringify({ profiles: { azure: { 'base-url': `${opts.azureOrigin}/openai/v1`, auth: 'api-key' } } }),
    { mode: 0o600 },
  );
  const files: Array<[string, () => Promise<Buffer>]> = [
    ['photo.png', () => solid(1024, 1024, { r: 90, g: 140, b: 200 }).png().toBuffer()],
    ['room.png', () => solid(1024, 1024, { r: 200, g: 180, b: 150 }).png().toBuffer()],
    ['room.jpg', () => solid(1024, 1024, { r: 200, g: 180, b: 150 }).jpeg().toBuffer()],
    ['person.png', () => solid(1024, 1024, { r: 220, g: 190, b: 170 }).png().toBuffer()],
    ['shirt.png', () => solid(512, 512, { r: 30, g: 60, b: 160 }).png().toBuffer()],
    ['logo.png', () => solid(512, 512, { r: 250, g: 200, b: 0 }).png().toBuffer()],
    ['logo.jpg', () => solid(600, 400, { r: 250, g: 200, b: 0 }).jpeg().toBuffer()],
    ['portrait.jpg', () => solid(1024, 1536, { r: 180, g: 150, b: 130 }).jpeg().toBuffer()],
    ['icon.jpg', () => solid(600, 400, { r: 0, g: 160, b: 120 }).jpeg().toBuffer()],
    ['scribble.png', () => drawing(1024, 1024).png().toBuffer()],
    ['area.png', () => drawing(600, 400).png().toBuffer()],
    ['drawing.png', () => drawing(1024, 1024).png().toBuffer()],
    ['drawing.jpg', () => drawing(1024, 1024).jpeg().toBuffer()],
    ['sketch.png', () => drawing(1024, 1024).png().toBuffer()],
    ['mask.png', () => withHole(1024, 1024)],
    ['cutout.png', () => withHole(1024, 1024)],
    ['out/a.png', () => solid(256, 256, { r: 10, g: 10, b: 10 }).png().toBuffer()],
    ['out/b.jpg', () => solid(256, 256, { r: 10, g: 10, b: 10 }).jpeg().toBuffer()],
  ];
  return Promise.all(files.map(async ([name, make]) => writeFileSync(join(dir, name), await make()))).then(() => ({
    dir,
    bin,
  }));
}
