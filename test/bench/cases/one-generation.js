// Case 2: one 1024x1024 generation end to end (server latency 0, a photo-sized PNG as b64),
// against the shell pipeline and the official SDK doing the same and writing the file.
import { join } from 'node:path';

// imgcli runs with --no-metadata here so its file is byte-identical to the others'.
export const title = '2. One generation';

const BODY = JSON.stringify({ model: 'gpt-image-2', prompt: 'bench one', size: '1024x1024' });

export async function plan(ctx) {
  const env = ctx.env(await ctx.server({ latency: 0, payload: 'noise' }));
  const out = (name) => join(ctx.outDir, name);
  const commands = [];
  if (ctx.has('curl') && ctx.has('jq') && ctx.has('base64')) {
    commands.push({
      tool: 'curl | jq | base64 -d',
      cmd: `curl -sS --fail -H "Authorization: Bearer $OPENAI_API_KEY" -H 'Content-Type: application/json' -d '${BODY}' "$OPENAI_BASE_URL/images/generations" | jq -r '.data[0].b64_json' | base64 -d > '${out('curl.png')}'`,
      reference: true,
    });
  } else {
    commands.push({ tool: 'curl | jq | base64 -d', skip: 'needs curl and jq: apt-get install curl jq' });
  }
  commands.push({
    tool: 'openai SDK script',
    cmd: [ctx.node, join(ctx.benchDir, 'sdk-generate.js'), 'bench one', '1024x1024', '1', out('sdk')],
  });
  commands.push({
    tool: 'imgcli gen',
    cmd: [
      ...ctx.imgcli,
      'gen',
      'bench one',
      '-m',
      'gpt-image-2',
      '-s',
      '1024x1024',
      '--no-metadata',
      '-o',
      out('imgcli.png'),
    ],
    bar: (r) => {
      const me = r.get('imgcli gen').wall;
      const sdk = r.get('openai SDK script');
      const curl = r.get('curl | jq | base64 -d');
      const parts = [];
      let pass = true;
      if (sdk?.wall) {
        parts.push(`< SDK (${(me / sdk.wall).toFixed(2)}×)`);
        pass &&= me < sdk.wall;
      }
      // Reported, not judged: the pipeline starts no runtime at all.
      if (curl?.wall) parts.push(`${(me / curl.wall).toFixed(2)}× curl`);
      return { text: parts.join(', '), pass: parts.length ? pass : undefined };
    },
  });
  return {
    env,
    commands,
    runs: ctx.quick ? 4 : 15,
    // Same bytes from all three, or one of them is not doing the same job.
    check: () => ctx.sameFiles([out('curl.png'), out('sdk.png'), out('imgcli.png')]),
  };
}
