// What a user would write with the official openai SDK instead of `imgcli gen -o`: one
// request, then every image decoded and written. Usage: node sdk-generate.js PROMPT SIZE N OUT
// (OUT.png for one image, OUT-1.png... for several). Reads OPENAI_BASE_URL and OPENAI_API_KEY.
import { writeFile } from 'node:fs/promises';
import OpenAI from 'openai';

const [prompt, size, n, out] = process.argv.slice(2);
const client = new OpenAI();
const res = await client.images.generate({ model: 'gpt-image-2', prompt, size, n: Number(n) });
for (const [i, image] of res.data.entries()) {
  await writeFile(res.data.length === 1 ? `${out}.png` : `${out}-${i + 1}.png`, Buffer.from(image.b64_json, 'base64'));
}
