// `imgcli models`: the table as text and JSON, and --remote against the offline server's
// GET /v1/models, merged with the table and differences flagged. Merging is tested in-process too.
import { describe, expect, it } from 'vitest';
import { normalizeDate, parseModelList } from '../src/api/models.js';
import { catalogRows, mergeRemote, statusText } from '../src/models/catalog.js';
import { MODELS, modelStatus } from '../src/models/table.js';
import { PINNED, at, daysBefore, modelWhere } from './helpers/clock.js';
import { FAKE_KEY } from './helpers/cli.js';
import { imgcliInProcess, runInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer({ extraModels: ['my-local-model'] });

interface Row {
  name: string;
  family: string;
  endpoints: string[];
  status: string;
  shutdown_date?: string;
  sizes: string[];
  qualities: string[];
  limits: string[];
  custom_sizes?: string;
  in_table: boolean;
  remote?: { listed: boolean; shutdown_date?: string; differences: string[] };
}

describe('imgcli models', () => {
  it('prints one line per model with family, endpoints, status, sizes, qualities and limits', async () => {
    const r = await imgcliInProcess(['models']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+FAMILY\s+ENDPOINTS\s+STATUS\s+SIZES\s+QUALITIES\s+LIMITS$/);
    for (const m of MODELS) {
      const line = lines.find((l) => l.startsWith(`${m.id} `));
      expect(line, m.id).toBeDefined();
      expect(line).toContain(m.family);
      const status = modelStatus(m, PINNED);
      if (status.state === 'current') expect(line).toMatch(/\bcurrent\b/);
      else expect(line).toContain(`${status.state} ${status.shutdown}`);
    }
    expect(lines.find((l) => l.startsWith('dall-e-2 '))).toMatch(/gen,edit,vary\b.*256x256 512x512 1024x1024/);
    expect(lines.find((l) => l.startsWith('gpt-image-2.5-flare '))).toMatch(
      /gpt-image-2\.5\).*\+WxH.*xhigh max.*prompt up to 32000/,
    );
    expect(r.stdout).toContain(`Status on api.openai.com as of ${PINNED.toISOString().slice(0, 10)}`);
    expect(r.stdout).toMatch(/\+WxH \(gpt-image-2 and later\): any WxH: edges multiples of 16/);
    expect(r.stderr).toBe('');
    expect(mock.requests).toHaveLength(0);
  });

  it('fits 80 columns by family: sizes, qualities and the +WxH rule kept, the default marked', async () => {
    const r = await runInProcess(['models'], { columns: 80 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ {2}MODEL\s+ENDPOINTS\s+STATUS$/);
    for (const m of MODELS) {
      const line = lines.find((l) => l.startsWith(`  ${m.id} `));
      expect(line, m.id).toBeDefined();
      const status = modelStatus(m, PINNED);
      expect(line).toContain(status.state === 'current' ? 'current' : `${status.state} ${status.shutdown}`);
      // Aliases are what --wide adds.
      for (const alias of m.aliases ?? []) expect(line!.split(/\s+/)).not.toContain(alias);
    }
    expect(lines.find((l) => l.startsWith('  gpt-image-2 '))).toMatch(/\bcurrent, default$/);
    expect(lines.filter((l) => /\bdefault$/.test(l))).toHaveLength(1);
    // Each family's sizes and qualities (what -s and -q take), once, above its models.
    const heading = (family: string) => lines.findIndex((l) => l.startsWith(`${family} `));
    expect(lines[heading('gpt-image-2.6')]).toMatch(
      /^gpt-image-2\.6 +sizes: auto 1024x1024 1536x1024 1024x1536 \+WxH$/,
    );
    expect(lines[heading('gpt-image-2.6') + 1]).toMatch(/^ +qualities: auto low medium high xhigh max$/);
    expect(lines[heading('dall-e-2')]).toMatch(/sizes: 256x256 512x512 1024x1024$/);
    expect(lines[heading('dall-e-2') + 2]).toMatch(/^ {2}dall-e-2 +gen,edit,vary +retired 2026-05-12$/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('+WxH (gpt-image-2 and later): any WxH: edges multiples of 16');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      `Status on api.openai.com as of ${PINNED.toISOString().slice(0, 10)}`,
    );
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'Fitted to 80 columns: `--wide` adds aliases and limits; `imgcli models <model>` shows one model whole.',
    );
  });

  it('fits 30 columns without a word cut; below 24 prints the whole table and says why', async () => {
    const r = await runInProcess(['models'], { columns: 30 });
    expect(r.exitCode).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(30);
    // Words are moved to the next line, never cut: every model, size and quality is whole.
    const words = new Set(r.stdout.split(/\s+/));
    for (const m of MODELS) expect(words, m.id).toContain(m.id);
    for (const w of ['1024x1536', '+WxH', 'xhigh', 'standard', '2026-05-12']) expect(words, w).toContain(w);
    expect(r.stdout).toMatch(/^ {2}gpt-image-1\.5\n {4}gen,edit\n {4}retired 2026-12-01$/m);
    expect(r.stdout).toMatch(/^ {2}gpt-image-2\n {4}gen,edit; current, default$/m);
    expect(r.stderr).toBe('');
    const tiny = await runInProcess(['models'], { columns: 20 });
    expect(tiny.exitCode).toBe(0);
    expect(tiny.stdout).toBe((await runInProcess(['models'])).stdout);
    expect(tiny.stderr).toBe(
      '20 columns are too few for the table (it needs 24): printed whole, one model a line; `imgcli models | less -S` scrolls it sideways\n',
    );
  });

  it('prints every column with --wide on a terminal, in a pipe, and on a terminal wide enough', async () => {
    const pipe = await runInProcess(['models']);
    const wide = await runInProcess(['models', '--wide'], { columns: 80 });
    const roomy = await runInProcess(['models'], { columns: 400 });
    expect(pipe.stdout).toMatch(/^MODEL\s+FAMILY\s+ENDPOINTS\s+STATUS\s+SIZES\s+QUALITIES\s+LIMITS\n/);
    expect(pipe.stdout).toContain('gpt-image-2.5-flare (gpt-image-2.5-flare-2026-09-08, gpt-image-2.5)');
    expect(wide.stdout).toBe(pipe.stdout);
    expect(roomy.stdout).toBe(pipe.stdout);
    expect(pipe.stdout).not.toContain('Fitted to');
  });

  it('keeps the --remote SERVER column in a compact table', async () => {
    const r = await runInProcess(['models', '--remote'], { columns: 90, env: { OPENAI_BASE_URL: mock.url } });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/\bSTATUS\b.*\bSERVER$/);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(90);
    expect(lines.find((l) => l.startsWith('  gpt-image-2 '))).toMatch(/current, default +listed$/);
  });

  it('prints the same table as JSON, needing no key', async () => {
    const r = await imgcliInProcess(['models', '--json'], { env: { OPENAI_API_KEY: undefined } });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { facts_checked: string; models: Row[] };
    expect(doc.facts_checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(doc.models.map((m) => m.name)).toEqual(MODELS.map((m) => m.id));
    const byName = Object.fromEntries(doc.models.map((m) => [m.name, m]));
    expect(byName['dall-e-2']!.endpoints).toEqual(['generations', 'edits', 'variations']);
    expect(byName['dall-e-3']).toMatchObject({
      endpoints: ['generations'],
      qualities: ['standard', 'hd'],
      shutdown_date: '2026-05-12',
      status: 'retired',
    });
    expect(byName['gpt-image-2']!.custom_sizes).toMatch(/long edge up to 3840/);
    expect(byName['gpt-image-1']!.limits).toContain('edit takes --input-fidelity');
  });

  it('refuses --dry-run without --remote: nothing would be sent', async () => {
    const r = await imgcliInProcess(['models', '--dry-run']);
    expect(r.exitCode).toBe(2);
  });
});

describe('imgcli models --remote', () => {
  it('asks GET /models at the base URL and merges the answer, flagging what differs', async () => {
    const r = await imgcliInProcess(['--base-url', mock.url, 'models', '--remote', '--json']);
    expect(r.exitCode).toBe(0);
    expect(mock.apiRequests().map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models']);
    expect(mock.apiRequests()[0]!.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    const doc = JSON.parse(r.stdout) as { base_url: string; models: Row[]; other_models: string[] };
    expect(doc.base_url).toBe(mock.url);
    const byName = Object.fromEntries(doc.models.map((m) => [m.name, m]));
    expect(byName['gpt-image-2']!.remote).toEqual({ listed: true, differences: [] });
    // Retired on the pinned day, and still served offline (as compatible servers do).
    expect(byName['gpt-image-1.5']!.remote).toEqual({
      listed: true,
      shutdown_date: '2026-12-01',
      differences: ['listed by the server, though the table says it shut down on 2026-12-01'],
    });
    // The offline server, like compatible servers, still serves retired models.
    expect(byName['dall-e-2']!.remote!.differences).toEqual([
      'listed by the server, though the table says it shut down on 2026-05-12',
    ]);
    expect(byName['my-local-model']).toBeUndefined();
    expect(doc.other_models).toEqual(['my-local-model']);
  });

  it('flags a model the server does not list, a different shutdown date and an image model the table lacks', async () => {
    const data = [
      { id: 'gpt-image-2', object: 'model', created: 1, owned_by: 'system' },
      { id: 'gpt-image-1.5', object: 'model', created: 1, owned_by: 'system', shutdown_date: '2026-11-30' },
      { id: 'gpt-image-3', object: 'model', created: 1, owned_by: 'system' },
      { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'system' },
    ];
    mock.enqueueFault({ status: 200, body: { object: 'list', data } });
    // Before gpt-image-1.5's shutdown, so the only difference for it is the server's date.
    const r = await imgcliInProcess(['--base-url', mock.url, 'models', '--remote'], {
      env: at(
        daysBefore(
          modelWhere((m) => m.id === 'gpt-image-1.5'),
          10,
        ).toISOString(),
      ),
    });
    expect(r.exitCode).toBe(0);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(line('gpt-image-2')).toMatch(/\blisted$/);
    expect(line('gpt-image-2.5-sunburst')).toMatch(/not listed \(!\)$/);
    expect(line('gpt-image-1.5')).toMatch(/listed \(!\)$/);
    expect(line('gpt-image-3')).toMatch(/gpt-image-2\.6\s+gen,edit\s+unknown.*listed \(!\)$/);
    expect(line('dall-e-2')).toMatch(/not listed$/);
    expect(r.stdout).toContain('gpt-image-1.5: server shutdown date 2026-11-30; the table says 2026-12-01');
    expect(r.stdout).toContain('gpt-image-2.5-sunburst: not listed by the server');
    expect(r.stdout).toContain("gpt-image-3: not in imgcli's table");
    expect(r.stdout).not.toContain('gpt-4o');
    expect(r.stderr).toMatch(/the server also lists 1 other models/);
  });

  it('needs a key for api.openai.com (exit 4), works offline with --mock, and reports a server error', async () => {
    // Nothing is sent: the key is missing before any connection (a compatible server may need none).
    const nokey = await imgcliInProcess(['models', '--remote'], { env: { OPENAI_API_KEY: undefined } });
    expect(nokey.exitCode).toBe(4);
    expect(nokey.stderr).toMatch(/^error: No API key/);
    const offline = await imgcliInProcess(['--mock', 'models', '--remote', '--json'], {
      env: { OPENAI_API_KEY: undefined },
    });
    expect(offline.exitCode).toBe(0);
    expect(JSON.parse(offline.stdout).base_url).toBe('offline server (--mock)');
    mock.enqueueFault({ status: 200, body: '<html>gateway</html>', contentType: 'text/html' });
    const html = await imgcliInProcess(['--base-url', mock.url, 'models', '--remote']);
    expect(html.exitCode).toBe(6);
    expect(html.stderr).toMatch(/model list is not JSON/);
    expect(html.stdout).toBe('');
  });

  it('uses the Azure dated shape and api-key header from the settings', async () => {
    const origin = mock.url.replace(/\/v1$/, '');
    const r = await imgcliInProcess([
      '--base-url',
      `${origin}/openai`,
      '--azure-deployment',
      'd',
      '--azure-api-version',
      '2024-10-21',
      'models',
      '--remote',
      '--json',
    ]);
    expect(r.exitCode).toBe(0);
    const req = mock.apiRequests()[0]!;
    expect([req.path, req.query['api-version'], req.headers['api-key']]).toEqual([
      '/openai/models',
      '2024-10-21',
      FAKE_KEY,
    ]);
  });
});

describe('merging (in-process)', () => {
  const now = new Date('2026-11-21T12:00:00Z');

  it('normalises shutdown dates from Unix times and date strings', () => {
    expect(normalizeDate(1796083200)).toBe('2026-12-01');
    expect(normalizeDate('1796083200')).toBe('2026-12-01');
    expect(normalizeDate('2026-12-01T00:00:00Z')).toBe('2026-12-01');
    expect(normalizeDate(null)).toBeUndefined();
    expect(parseModelList('{"data":[{"id":"a","shutdown_date":1796083200,"extra":1}]}')).toEqual([
      { id: 'a', ownedBy: undefined, shutdownDate: '2026-12-01' },
    ]);
    expect(() => parseModelList('{"models":[]}')).toThrow(/no "data" list/);
  });

  it('matches aliases, and shows status with the days left', () => {
    const rows = catalogRows(now);
    const merged = mergeRemote(rows, [{ id: 'gpt-image-2.5' }, { id: 'dall-e-9' }, { id: 'whisper-1' }]);
    const flare = merged.rows.find((r) => r.name === 'gpt-image-2.5-flare')!;
    expect(flare.remote).toEqual({ listed: true, differences: [] });
    expect(merged.rows.find((r) => r.name === 'dall-e-9')).toMatchObject({
      family: 'dall-e-2',
      in_table: false,
      status: 'unknown',
    });
    expect(merged.others).toEqual(['whisper-1']);
    expect(statusText(rows.find((r) => r.name === 'gpt-image-1.5')!)).toBe('retiring 2026-12-01 (10 d)');
    expect(statusText(rows.find((r) => r.name === 'gpt-image-1')!)).toBe('retired 2026-10-23');
  });
});

describe("status follows the run's clock (IMGCLI_NOW), not the day the suite runs", () => {
  const retiring = modelWhere((m) => m.id === 'gpt-image-1.5');

  it('shows a model as retiring with the days left before its shutdown, and retired on the day', async () => {
    const before = daysBefore(retiring, 10);
    const early = JSON.parse(
      (await imgcliInProcess(['models', '--json'], { env: at(before.toISOString()) })).stdout,
    ) as { status_date: string; models: Row[] };
    expect(early.status_date).toBe(before.toISOString().slice(0, 10));
    expect(early.models.find((m) => m.name === retiring.id)).toMatchObject({
      status: 'retiring',
      shutdown_date: retiring.shutdown,
      days_left: 10,
    });
    const onTheDay = JSON.parse(
      (await imgcliInProcess(['models', '--json'], { env: at(retiring.shutdown!) })).stdout,
    ) as { models: Row[] };
    expect(onTheDay.models.find((m) => m.name === retiring.id)).toMatchObject({
      status: 'retired',
      replacement: retiring.replacement,
    });
  });

  it('prints the README table for a date, which the README must match', async () => {
    const r = await imgcliInProcess(['models', '--markdown'], { env: at('2030-01-01') });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      '| model | family | gen | edit | vary | status on api.openai.com as of 2030-01-01 |',
    );
    for (const m of MODELS) expect(r.stdout).toContain(`| \`${m.id}\``);
    // By 2030 every dated shutdown has passed.
    for (const m of MODELS.filter((x) => x.shutdown))
      expect(r.stdout).toMatch(new RegExp(`\`${m.id.replace(/\./g, '\\.')}\`.*shut down ${m.shutdown}`));
  });

  it('refuses a malformed IMGCLI_NOW with exit 2, naming the formats it takes', async () => {
    for (const bad of ['tomorrow', '2026-13-01', '2027-02-29', '2026-12-01T12:00:00', '1796083200']) {
      const r = await imgcliInProcess(['models'], { env: at(bad) });
      expect(r.exitCode, bad).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`IMGCLI_NOW=${bad} is not a date`);
      expect(r.stderr).toMatch(/2026-12-01T12:00:00Z/);
    }
  });
});

describe('imgcli models <model>', () => {
  it('shows one model whole: status, dates, prices, and per command every flag it takes with its values', async () => {
    const r = await runInProcess(['models', 'gpt-image-2'], { columns: 80 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(r.stdout.split('\n')[0]).toBe('gpt-image-2 (also gpt-image-2-2026-04-21)');
    expect(text).toContain(
      'status current; the default here (gen, edit and vary without -m) (on api.openai.com as of 2026-12-01)',
    );
    expect(text).toMatch(
      /prices per million tokens: text input \$5 .* image output \$30; batch --remote at 50% of that/,
    );
    expect(r.stdout).toMatch(/^imgcli gen: POST \/images\/generations$/m);
    expect(r.stdout).toMatch(/^ {2}-s, --size +auto, 1024x1024, 1536x1024, 1024x1536, or any WxH \(below\)$/m);
    expect(r.stdout).toMatch(/^ {2}-q, --quality +auto, low, medium, high$/m);
    expect(r.stdout).toMatch(/^imgcli edit: POST \/images\/edits$/m);
    expect(text).toContain('--moderation auto, low (sent as JSON only');
    expect(text).toMatch(/imgcli vary: POST \/images\/edits, with a built-in prompt/);
    expect(text).toContain('--input-fidelity: gpt-image-2 answers 400 invalid_input_fidelity_model.');
    // What it does not take is not listed: no --style (dall-e-3's), no --frames (gpt-image-2.6's).
    expect(r.stdout).not.toMatch(/--style|--frames/);
  });

  it('reads an alias, and a retired model says so with its replacement; dall-e-2 varies through its own endpoint', async () => {
    const alias = await runInProcess(['models', 'gpt-image-2.5']);
    expect(alias.stdout.split('\n')[0]).toBe(
      'gpt-image-2.5-flare (also gpt-image-2.5-flare-2026-09-08, gpt-image-2.5)',
    );
    const dalle = await runInProcess(['models', 'dall-e-2']);
    const text = dalle.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('status retired 2026-05-12; use gpt-image-2');
    expect(text).toContain('prices not in imgcli: no cost is estimated');
    expect(dalle.stdout).toMatch(/^imgcli vary: POST \/images\/variations$/m);
    expect(text).toContain('images 1 png, under 4 MB each, square; without --mask');
  });

  it('--json: the same as data', async () => {
    const r = await runInProcess(['models', 'gpt-image-1-mini', '--json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      name: 'gpt-image-1-mini',
      family: 'gpt-image-1',
      default: false,
      status: 'retired',
      shutdown_date: '2026-12-01',
      replacement: 'gpt-image-2.6-flare',
      status_date: '2026-12-01',
      refusals: { '--input-fidelity': 'gpt-image-1-mini refuses high' },
    });
    expect(doc.commands.map((c: { command: string }) => c.command)).toEqual(['gen', 'edit', 'vary', 'chat']);
    const edit = doc.commands[1];
    // The image tool of imgcli chat: one image a turn, no --count, and its own --action.
    const chat = doc.commands[3];
    expect(chat.path).toBe('POST /responses (the image_generation tool)');
    expect(chat.flags).toContainEqual({ flag: '--action', values: ['generate', 'edit', 'auto'] });
    expect(chat.flags.map((f: { flag: string }) => f.flag)).not.toContain('--count');
    expect(edit.flags).toContainEqual({ flag: '--input-fidelity', values: ['low'] });
    expect(edit.flags).toContainEqual({ flag: '--count', short: '-n', min: 1, max: 10 });
    expect(edit.json_only_flags).toEqual(['--moderation']);
    expect(doc.prices).toBeUndefined();
    expect(
      JSON.parse((await runInProcess(['models', '--json'])).stdout)
        .models.filter((m: Row & { default: boolean }) => m.default)
        .map((m: Row) => m.name),
    ).toEqual(['gpt-image-2']);
  });

  it('an unknown name: exit 2 with a suggestion; --remote and --markdown are for the list', async () => {
    const typo = await runInProcess(['models', 'gpt-imag-2']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toMatch(
      /^error: imgcli's model table has no "gpt-imag-2"; did you mean gpt-image-2\?\nhint: See `imgcli models`/,
    );
    const remote = await runInProcess(['models', 'gpt-image-2', '--remote']);
    expect(remote.exitCode).toBe(2);
    expect(remote.stderr).toMatch(/--remote, --dry-run and --markdown are for the whole list/);
  });
});
