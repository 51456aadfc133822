// Case 6: 4096x4096 black-and-white pictures to alpha masks, as whole processes: a simple
// drawing (a few blobs and strokes) and a detailed one (noise, as a photo turned black and white
// is), imgcli mask against the classic Pillow recipe and ImageMagick when those are installed.
// The outputs are decoded and compared pixel for pixel.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { maskDetailed, maskDrawing } from '../fixtures.js';

export const title = '6. Masks 4096²';

// The recipe the mask issue names: every pixel becomes (L, L, L, L).
const PILLOW = `import sys
from PIL import Image
L = Image.open(sys.argv[1]).convert("L")
rgba = L.convert("RGBA")
rgba.putalpha(L)
rgba.save(sys.argv[2])`;

/** The first python3 that can import PIL (pyenv's python3 may shadow Debian's). */
function findPillowPython(ctx) {
  return ['python3', '/usr/bin/python3'].find(
    (py) => ctx.has(py) && spawnSync(py, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0,
  );
}

/** Real ImageMagick, not a stand-in of the same name: IM7's magick, or IM6's convert. */
function findImageMagick(ctx) {
  return ['magick', 'convert', '/usr/bin/convert'].find(
    (cmd) =>
      ctx.has(cmd) && /^Version: ImageMagick/m.test(spawnSync(cmd, ['-version'], { encoding: 'utf8' }).stdout ?? ''),
  );
}

export async function plan(ctx) {
  const inputs = [
    ['drawing', await maskDrawing()],
    ['detailed', await maskDetailed()],
  ];
  const out = (name) => join(ctx.outDir, name);
  const python = findPillowPython(ctx);
  const magick = findImageMagick(ctx);
  const commands = inputs.flatMap(([kind, input]) => [
    python
      ? {
          tool: `Pillow recipe (${kind})`,
          cmd: [python, '-c', PILLOW, input, out(`mask-${kind}-pillow.png`)],
          reference: kind === 'drawing',
        }
      : {
          tool: `Pillow recipe (${kind})`,
          skip: 'needs python3 with Pillow: apt-get install python3-pil (or pip install pillow)',
        },
    magick
      ? {
          tool: `ImageMagick (${kind})`,
          cmd: [magick, input, '-colorspace', 'Gray', '-alpha', 'copy', `PNG32:${out(`mask-${kind}-magick.png`)}`],
        }
      : { tool: `ImageMagick (${kind})`, skip: 'needs ImageMagick: apt-get install imagemagick' },
    {
      tool: `imgcli mask (${kind})`,
      cmd: [...ctx.imgcli, 'mask', input, '-o', out(`mask-${kind}-imgcli.png`)],
      bar: (r, checked) => {
        const pillow = r.get(`Pillow recipe (${kind})`);
        if (!pillow?.wall) return { text: '≥ 2× faster than Pillow (not installed)', pass: undefined };
        const speedup = pillow.wall / r.get(`imgcli mask (${kind})`).wall;
        return {
          text: `≥ 2× faster than Pillow (${speedup.toFixed(2)}×), same pixels`,
          pass: speedup >= 2 && checked?.[kind]?.identical !== false,
        };
      },
    },
  ]);
  return {
    commands,
    runs: ctx.quick ? 3 : 10,
    check: async () => {
      const verdicts = {};
      for (const [kind] of inputs)
        verdicts[kind] = await ctx.samePixels([
          out(`mask-${kind}-pillow.png`),
          out(`mask-${kind}-magick.png`),
          out(`mask-${kind}-imgcli.png`),
        ]);
      const note = inputs.map(([kind]) => `${kind}: ${verdicts[kind]?.note ?? 'nothing to compare'}`).join('; ');
      return { ...verdicts, note };
    },
  };
}
