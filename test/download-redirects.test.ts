// Class 12: downloads follow what CDNs do: up to 5 redirects, http(s) only, never carrying
// credentials, each hop bounded; other schemes refused. Any valid JSON escape inside a base64
// string (\/, \u002F) is accepted.
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { B64Extractor, type Sink } from '../src/api/b64-extract.js';
import { tempDir } from './helpers/cli.js';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();

async function gen(args: string[] = []) {
  const cwd = tempDir();
  const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', '-m', 'dall-e-3', '-o', 'out.png', ...args], {
    cwd,
  });
  return {
    ...r,
    files: readdirSync(cwd),
    downloads: mock.requests.filter((q) => q.path.startsWith('/files/') || q.path === '/elsewhere'),
  };
}

describe('image downloads and redirects', () => {
  it('follows 5 redirects (301, 302, 303, 307, 308) to the image', async () => {
    for (const status of [301, 302, 303, 307, 308]) mock.enqueueDownloadFault({ redirect: '?hop', status });
    const r = await gen();
    expect(r.exitCode).toBe(0);
    expect(r.files).toEqual(['out.png']);
    expect(r.downloads).toHaveLength(6);
    expect(mock.apiRequests()).toHaveLength(1);
  });

  it('refuses a sixth redirect: exit 6, no file', async () => {
    mock.enqueueDownloadFault({ redirect: '?hop' }, 6);
    const r = await gen();
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toMatch(/^error: Downloading image 1 failed: more than 5 redirects\.$/m);
    expect(r.files).toEqual([]);
    expect(r.downloads).toHaveLength(6);
  });

  it.each(['file:///etc/passwd', 'ftp://files.example/x.png', 'data:image/png;base64,AAAA'])(
    'refuses a redirect to %s',
    async (target) => {
      mock.enqueueDownloadFault({ redirect: target });
      const r = await gen();
      expect(r.exitCode).toBe(6);
      expect(r.stderr).toMatch(/Image 1's download redirects to \w+:, not http\(s\); imgcli will not fetch it\./);
      expect(r.files).toEqual([]);
      expect(r.downloads).toHaveLength(1);
    },
  );

  it('never carries credentials to the next hop', async () => {
    const origin = new URL(mock.url).origin.replace('http://', 'http://carol:s3cretHop@');
    mock.enqueueDownloadFault({ redirect: `${origin}/files/elsewhere.png` });
    const r = await gen();
    // That address holds no image: what matters is what the hop carried.
    expect(r.exitCode).toBe(6);
    const hop = mock.requests.find((q) => q.path === '/files/elsewhere.png');
    expect(hop).toBeDefined();
    expect(hop!.headers.authorization).toBeUndefined();
    expect(`${r.stdout}${r.stderr}`).not.toContain('s3cretHop');
  });
});

describe('JSON escapes inside base64', () => {
  it('an answer whose image string uses \\/ and \\u002F is saved whole', async () => {
    const png = await sharp({ create: { width: 40, height: 40, channels: 4, background: '#f80' } })
      .png()
      .toBuffer();
    const b64 = png.toString('base64');
    expect(b64).toContain('/');
    let n = 0;
    const escaped = b64.replace(/\//g, () => (n++ % 2 ? '\\/' : '\\u002F')).replace(/A/, '\\u0041');
    mock.enqueueFault({
      body: `{"created": 1, "data": [{"b64_json": "${escaped}"}]}`,
      contentType: 'application/json',
    });
    const cwd = tempDir();
    const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'x', '-o', 'out.png'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(readdirSync(cwd)).toEqual(['out.png']);
  });

  it('an escape cut by a chunk boundary at any point decodes the same', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
    const body = Buffer.from(
      `{"data":[{"b64_json":"${bytes.toString('base64').replace(/\//g, '\\u002f').replace(/\+/g, '\\u002B')}"}]}`,
    );
    for (let cut = 1; cut < body.length; cut += 3) {
      const out: Buffer[] = [];
      let broken: string | undefined;
      const sink: Sink = {
        open() {},
        write: (_s, b) => void out.push(b),
        close() {},
        markBroken: (_s, why) => void (broken = why),
      };
      const x = new B64Extractor(sink);
      x.push(body.subarray(0, cut));
      x.push(body.subarray(cut));
      x.end();
      expect(broken).toBeUndefined();
      expect(Buffer.concat(out).equals(bytes)).toBe(true);
    }
  });

  it('an escape that cannot belong in base64 marks the image broken', () => {
    let broken: string | undefined;
    const x = new B64Extractor({ open() {}, write() {}, close() {}, markBroken: (_s, why) => void (broken = why) });
    x.push(Buffer.from('{"data":[{"b64_json":"QUJD\\u0022RA=="}]}'));
    x.end();
    expect(broken).toBe('an unexpected escape \\u0022');
  });
});
