// Case 4: a big upload. `edit` with 16 images of about 40 MB each (640 MB in all): files go
// out as Blobs read from disk, so memory stays flat; curl -F sending the same files is the
// local-transfer reference.
import { join } from 'node:path';
import { uploadImages } from '../fixtures.js';

export const title = '4. Big upload';

export async function plan(ctx) {
  if (!ctx.imgcliHas('edit')) return { skip: 'edit not available yet' };
  const url = await ctx.server({ latency: 0, payload: 'gradient' });
  const { paths, totalBytes } = await uploadImages(16);
  const commands = [];
  if (ctx.has('curl')) {
    const files = paths.map((p) => `-F 'image[]=@${p};type=image/png'`).join(' ');
    commands.push({
      tool: 'curl -F (same files)',
      cmd: `curl -sS --fail -o /dev/null -H "Authorization: Bearer $OPENAI_API_KEY" -F model=gpt-image-2 -F prompt='bench edit' ${files} "$OPENAI_BASE_URL/images/edits"`,
      reference: true,
    });
  } else {
    commands.push({ tool: 'curl -F (same files)', skip: 'needs curl: apt-get install curl' });
  }
  commands.push({
    tool: 'imgcli edit (16 files)',
    cmd: [
      ...ctx.imgcli,
      'edit',
      ...paths,
      '-p',
      'bench edit',
      '-m',
      'gpt-image-2',
      '--no-metadata',
      '-o',
      join(ctx.outDir, 'edit.png'),
    ],
    bar: (r) => {
      const me = r.get('imgcli edit (16 files)');
      const curl = r.get('curl -F (same files)');
      const parts = [`RSS < 150 MB (${(me.rss / 1024).toFixed(0)} MB)`];
      let pass = me.rss < 150 * 1024;
      if (curl?.wall) {
        parts.push(
          `wall ≤ 1.5× curl (${(me.wall / curl.wall).toFixed(2)}×)`,
          `CPU ≤ 3× curl (${(me.cpu / curl.cpu).toFixed(2)}×)`,
        );
        pass &&= me.wall <= 1.5 * curl.wall && me.cpu <= 3 * curl.cpu;
      }
      return { text: parts.join(', '), pass };
    },
  });
  return {
    env: ctx.env(url),
    commands,
    runs: ctx.quick ? 1 : 5,
    notes: [
      `case 4: 16 noise PNGs of ${(totalBytes / 16 / 1048576).toFixed(1)} MB, ${(totalBytes / 1048576).toFixed(0)} MB in all, made once in ${join(paths[0], '..')}`,
    ],
  };
}
