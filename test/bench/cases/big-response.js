// Case 3: a big response. Ten 1536x1024 photo-sized images as b64_json make one JSON body of
// 35-40 MB; memory should stay within a small multiple of it, and the wall time near the SDK's.
import { join } from 'node:path';

export const title = '3. Big response';

const REQUEST = { model: 'gpt-image-2', prompt: 'bench big', size: '1536x1024', n: 10 };

export async function plan(ctx) {
  const url = await ctx.server({ latency: 0, payload: 'noise' });
  const env = ctx.env(url);
  // Ask once from here to learn the body's size (and warm the server's image cache).
  const res = await fetch(`${url}/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(REQUEST),
  });
  const responseKb = (await res.arrayBuffer()).byteLength / 1024;
  const out = (name) => join(ctx.outDir, name);
  return {
    env,
    runs: ctx.quick ? 2 : 8,
    notes: [`case 3: the response body is ${(responseKb / 1024).toFixed(1)} MB of JSON (10 PNGs of ~2.9 MB as base64)`],
    check: () => ctx.sameFiles([out('big-sdk-1.png'), out('big-imgcli-1.png')]),
    commands: [
      {
        tool: 'openai SDK script',
        cmd: [ctx.node, join(ctx.benchDir, 'sdk-generate.js'), REQUEST.prompt, REQUEST.size, '10', out('big-sdk')],
        reference: true,
      },
      {
        tool: 'imgcli gen -n 10',
        cmd: [
          ...ctx.imgcli,
          'gen',
          REQUEST.prompt,
          '-m',
          REQUEST.model,
          '-s',
          REQUEST.size,
          '-n',
          '10',
          '--no-metadata',
          '-o',
          out('big-imgcli.png'),
        ],
        bar: (r) => {
          const me = r.get('imgcli gen -n 10');
          const sdk = r.get('openai SDK script');
          const memory = me.rss / responseKb;
          const parts = [`RSS ≤ 2.5× body (${memory.toFixed(2)}×)`];
          let pass = memory <= 2.5;
          if (sdk?.rss) {
            parts.push(`RSS ≤ ½ SDK's (${(me.rss / sdk.rss).toFixed(2)}×)`);
            pass &&= me.rss <= sdk.rss / 2;
          }
          return { text: parts.join(', '), pass };
        },
      },
    ],
  };
}
