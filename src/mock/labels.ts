// The words drawn on the offline server's images, so a stand-in says what it stands in for: the
// prompt, shortened, and the size asked for. sharp draws SVG text through librsvg and fontconfig;
// on a machine without fonts every letter would come out as the same empty box, so the server
// checks once that real glyphs are drawn and makes label-free images otherwise. Fontconfig gets a
// file of imgcli's own first (image/fonts.ts), so it prints nothing on stderr.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { fontconfigDir, quietFontconfig } from '../image/fonts.js';

/** The lines drawn on an image: the prompt (shortened) and the size asked for. */
export function labelLines(prompt: string, size: string | undefined, width: number, height: number): string[] {
  // Control characters cannot be drawn (nor stand in XML): each becomes a space.
  const words = prompt
    .replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const max = Math.max(8, Math.floor(width / (fontSize(width, height) * 0.56)));
  const shown =
    [...words].length > max
      ? `${[...words]
          .slice(0, max - 1)
          .join('')
          .trimEnd()}…`
      : words;
  const asked = size && size !== `${width}x${height}` ? `${size} (${width}x${height})` : `${width}x${height}`;
  return [shown || '(no prompt)', `${asked} · imgcli offline`];
}

const fontSize = (width: number, height: number) => Math.max(10, Math.round(Math.min(width, height) / 18));

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SVG the size of the image: the lines in white on a dark band along the bottom edge. */
export function labelSvg(lines: string[], width: number, height: number): Buffer {
  const size = fontSize(width, height);
  const lineHeight = Math.round(size * 1.3);
  const band = lineHeight * lines.length + size;
  const top = height - band;
  const text = lines
    .map(
      (line, i) =>
        `<text x="${Math.round(size * 0.8)}" y="${top + Math.round(size * 0.5) + lineHeight * (i + 1) - Math.round(size * 0.3)}" font-size="${i === 0 ? size : Math.round(size * 0.8)}">${escape(line)}</text>`,
    )
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="0" y="${top}" width="${width}" height="${band}" fill="#000" fill-opacity="0.55"/>` +
      `<g font-family="sans-serif" fill="#fff">${text}</g></svg>`,
  );
}

let probe: Promise<boolean> | undefined;

/**
 * Whether fontconfig has a configuration to read. Without one it prints "Fontconfig error:
 * Cannot load default config file" on stderr from native code, once per process: a machine with
 * no configuration (a slim container) is taken as having no fonts, without asking fontconfig.
 */
function fontconfigConfigured(env: Record<string, string | undefined> = process.env): boolean {
  const file = env.FONTCONFIG_FILE;
  if (file) return existsSync(isAbsolute(file) ? file : join(env.FONTCONFIG_PATH ?? '/etc/fonts', file));
  if (process.platform !== 'linux') return true;
  return existsSync(join(env.FONTCONFIG_PATH ?? '/etc/fonts', 'fonts.conf'));
}

/**
 * Whether SVG text comes out as real letters: two different letters drawn alike means every
 * glyph is the missing-glyph box (no fonts), or nothing is drawn at all. Checked once per process.
 */
export function fontsAvailable(): Promise<boolean> {
  probe ??= (async () => {
    // Before the first text is drawn: Fontconfig reads the file it names when it first loads.
    const env = process.env;
    await quietFontconfig(env, fontconfigDir(env, sharp.versions.fontconfig), {
      platform: process.platform,
      home: env.HOME,
      pid: process.pid,
    });
    if (!fontconfigConfigured()) return false;
    const draw = async (letter: string) => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#fff"/><text x="6" y="32" font-family="sans-serif" font-size="32" fill="#000">${letter}</text></svg>`;
      return sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
    };
    try {
      const [thin, wide] = await Promise.all([draw('l'), draw('W')]);
      return !thin.equals(wide) && thin.some((v) => v < 128) && wide.some((v) => v < 128);
    } catch {
      return false;
    }
  })();
  return probe;
}
