// `imgcli mcp` end to end, through the MCP SDK's own client over stdio: the tools and their schemas
// (read from the field and model tables), a call of each tool, refusals (nothing sent), the budget,
// progress while a slow answer is awaited, cancellation, jobs (wait: false). The server is the built
// CLI; the API behind it is the offline server, in this process (so the requests it received can be
// asserted) or in-process with --mock.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGE_FIELDS, commandValues, offeredBy, longFlag } from '../src/models/fields.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { connectMcp, structured, type McpSession } from './helpers/mcp.js';
import { useMockServer } from './helpers/mock.js';
import { until } from './helpers/wait.js';

const mock = useMockServer({ streamDelayMs: 300 });
const sessions: McpSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

/** The servers started, one per command line: the tests that give the same flags share one. */
const servers = new Map<string, Promise<McpSession>>();
function open(args: string[]): Promise<McpSession> {
  const key = JSON.stringify(args);
  let s = servers.get(key);
  if (!s) {
    s = connectMcp(args).then((session) => (sessions.push(session), session));
    servers.set(key, s);
  }
  return s;
}

/**
 * A server in front of this file's offline server (its requests are this file's to read), with a
 * progress notification every 0.2 s while a call waits.
 */
const served = (args: string[] = ['--heartbeat', '0.2']) => open(['--base-url', mock.url, ...args]);

/** The files in a folder, sorted. */
const listing = (dir: string) => readdirSync(dir).sort();

const images = (r: unknown) => (r as { content: Array<{ type: string; data?: string; mimeType?: string }> }).content;

describe('tools/list', () => {
  it('lists every tool, each schema read from its command and the tables', async () => {
    const s = await open(['--mock']);
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'generate',
      'edit',
      'vary',
      'mask',
      'markup',
      'models',
      'info',
      'batch_submit',
      'batch_status',
      'status',
      'cancel',
    ]);
    const gen = tools.find((t) => t.name === 'generate')!;
    const props = gen.inputSchema.properties as Record<string, Record<string, unknown>>;
    // Every request field a gen model takes, under its flag's name, with the table's values and bounds.
    for (const field of IMAGE_FIELDS.filter((f) => offeredBy(f, 'gen'))) {
      const name = longFlag(field).slice(2).replaceAll('-', '_');
      expect(props[name], name).toBeDefined();
      if (field.kind === 'list') {
        const values = commandValues(field, ['gen']);
        expect(props[name]!.enum).toEqual(field.name === 'format' ? [...values, 'jpg'] : values);
      }
    }
    expect(props.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
    expect(props.quality!.enum).toEqual(commandValues(IMAGE_FIELDS.find((f) => f.name === 'quality')!, ['gen']));
    expect(props.size!.examples).toContain('1024x1024');
    expect(props.no_clobber).toMatchObject({ type: 'boolean' });
    expect(props.param).toMatchObject({ type: 'array' });
    // What means nothing over the protocol is not offered; what the server adds is.
    for (const absent of ['json', 'preview', 'summary']) expect(props[absent]).toBeUndefined();
    for (const added of ['dry_run', 'wait', 'max_cost', 'thumbnails']) expect(props[added], added).toBeDefined();
    expect(gen.inputSchema.required).toEqual(['prompt']);
    expect(gen.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: true });
    // edit and vary: the same, by their own commands' models.
    for (const [tool, command] of [
      ['edit', 'edit'],
      ['vary', 'vary'],
    ] as const) {
      const own = tools.find((t) => t.name === tool)!.inputSchema.properties as Record<string, Record<string, unknown>>;
      for (const field of IMAGE_FIELDS.filter((f) => offeredBy(f, command))) {
        const name = longFlag(field).slice(2).replaceAll('-', '_');
        expect(own[name], `${tool} ${name}`).toBeDefined();
        if (field.kind === 'list' && field.name !== 'format')
          expect(own[name]!.enum, `${tool} ${name}`).toEqual(commandValues(field, [command]));
      }
    }
    const edit = tools.find((t) => t.name === 'edit')!;
    expect(edit.inputSchema.required).toEqual(expect.arrayContaining(['images', 'prompt']));
    expect((edit.inputSchema.properties as Record<string, unknown>).mask_from).toBeDefined();
    // A field no edit model takes is not offered on edit (the CLI hides its flag there too).
    for (const field of IMAGE_FIELDS.filter((f) => !offeredBy(f, 'edit')))
      expect(
        (edit.inputSchema.properties as Record<string, unknown>)[longFlag(field).slice(2).replaceAll('-', '_')],
      ).toBeUndefined();
    for (const tool of tools) expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
  });

  it('says a prompt is the text given, in the schema and in the empty-prompt error', async () => {
    const s = await open(['--mock']);
    const { tools } = await s.client.listTools();
    const prop = (tool: string) =>
      String(
        (tools.find((t) => t.name === tool)!.inputSchema.properties as Record<string, { description: string }>).prompt!
          .description,
      );
    for (const tool of ['generate', 'edit', 'vary']) {
      expect(prop(tool), tool).not.toMatch(/stdin|reads a file|read it from a file/);
      expect(prop(tool), tool).toMatch(/- and @file are text here/);
    }
    const empty = await s.client.callTool({ name: 'generate', arguments: { prompt: ' ' } });
    expect(structured(empty).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(empty).error.message).not.toMatch(/stdin/);
    expect(structured(empty).error.message).toMatch(/the prompt is empty; .*- and @file are text/);
    const edit = await s.client.callTool({ name: 'edit', arguments: { images: ['x.png'], prompt: '' } });
    expect(structured(edit).error.message).toMatch(/the prompt is empty; .*- and @file are text/);
    expect(structured(edit).error.message).not.toMatch(/stdin/);
  });

  it('says batch_submit answers at once, and waits for the batch under --mock', async () => {
    const s = await open(['--mock']);
    const { tools } = await s.client.listTools();
    const submit = tools.find((t) => t.name === 'batch_submit')!.description!;
    expect(submit).toMatch(/at once/);
    expect(submit).toMatch(/under --mock .* waits for them/i);
  });
});

describe('calls', () => {
  it('generate: files under the root, their sizes and formats, usage, cost, and a thumbnail of at most 256 px', async () => {
    const s = await served();
    const r = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a watercolor fox', out: 'art/fox.png' },
    });
    expect(r.isError).toBeFalsy();
    const doc = structured(r);
    expect(doc.files).toEqual([
      expect.objectContaining({ path: join('art', 'fox.png'), format: 'png', width: 1024, height: 1024 }),
    ]);
    expect(existsSync(join(s.dir, 'art', 'fox.png'))).toBe(true);
    expect(doc.usage.total_tokens).toBeGreaterThan(0);
    expect(doc.cost_usd).toBeGreaterThan(0);
    expect(doc.budget).toMatchObject({ max_cost_usd: null });
    const [text, thumb] = images(r);
    expect(JSON.parse(text!.type === 'text' ? (text as unknown as { text: string }).text : '{}')).toEqual(doc);
    expect(thumb).toMatchObject({ type: 'image', mimeType: 'image/jpeg' });
    const meta = await sharp(Buffer.from(thumb!.data!, 'base64')).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
    // Never the image itself: the thumbnail is a small part of the file's bytes.
    expect(Buffer.from(thumb!.data!, 'base64').length).toBeLessThan(doc.files[0].bytes / 4);
    expect(mock.requests.filter((q) => q.path === '/v1/images/generations')).toHaveLength(1);
    expect(mock.requests[0]!.json).toMatchObject({ model: 'gpt-image-2', prompt: 'a watercolor fox' });
  });

  it('edit, vary, mask, markup, info and models, each as its command would', async () => {
    const s = await open(['--mock']);
    const made = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a room', out: 'room.png' } });
    expect(made.isError).toBeFalsy();
    const mask = await s.client.callTool({
      name: 'mask',
      arguments: { like: 'room.png', rect: ['0,512,1024,512'], out: 'mask.png' },
    });
    expect(structured(mask).files[0]).toMatchObject({ path: 'mask.png', format: 'png', editable_percent: 50 });
    const check = await s.client.callTool({ name: 'mask', arguments: { check: 'mask.png', like: 'room.png' } });
    expect(structured(check)).toMatchObject({ valid: true, editable_percent: 50 });
    const edit = await s.client.callTool({
      name: 'edit',
      arguments: { images: ['room.png'], prompt: 'a bookshelf here', mask: 'mask.png', out: 'edited.png' },
    });
    expect(structured(edit)).toMatchObject({
      endpoint: 'edits',
      files: [expect.objectContaining({ path: 'edited.png' })],
    });
    const vary = await s.client.callTool({ name: 'vary', arguments: { image: 'room.png', count: 2, out: 'takes/' } });
    expect(structured(vary).files).toHaveLength(2);
    expect(images(vary).filter((c) => c.type === 'image')).toHaveLength(2);
    // A markup layer: its shapes in order (the label goes with the box before it), then a markup edit.
    const marks = await s.client.callTool({
      name: 'markup',
      arguments: {
        like: 'room.png',
        shapes: [
          { type: 'box', at: [0.1, 0.2, 0.4, 0.5], color: 'yellow' },
          { type: 'label', text: 'a bookshelf here' },
        ],
        out: 'marks.png',
        preview: 'marks-over.jpg',
      },
    });
    expect(structured(marks)).toMatchObject({
      files: [{ path: 'marks.png', format: 'png', width: 1024, height: 1024, shapes: 2 }],
      preview: 'marks-over.jpg',
    });
    expect(
      images(marks)
        .filter((c) => c.type === 'image')
        .map((c) => c.mimeType),
    ).toEqual(['image/png', 'image/jpeg']);
    const typo = await s.client.callTool({
      name: 'markup',
      arguments: { like: 'room.png', shapes: [{ type: 'box', at: [0.1, 0.2, 0.4, 0.5], colour: 'red' }], out: 'x.png' },
    });
    expect(structured(typo).error).toMatchObject({
      message: 'shapes: shape 1 (box): unknown field "colour"; it takes type, at, color, width, fill',
      exit_code: 2,
    });
    expect(existsSync(join(s.dir, 'x.png'))).toBe(false);
    const verdict = await s.client.callTool({ name: 'markup', arguments: { check: 'marks.png', like: 'room.png' } });
    expect(structured(verdict)).toMatchObject({ valid: true, width: 1024, has_alpha: true });
    const marked = await s.client.callTool({
      name: 'edit',
      arguments: {
        images: ['room.png'],
        markup: 'marks.png',
        model: 'gpt-image-2.6-flare',
        prompt: 'do what the marks say',
        out: 'marked.png',
      },
    });
    expect(marked.isError, JSON.stringify(structured(marked))).toBeFalsy();
    expect(structured(marked)).toMatchObject({ model: 'gpt-image-2.6-flare', endpoint: 'edits' });
    const info = await s.client.callTool({ name: 'info', arguments: { images: ['edited.png'] } });
    expect(structured(info).entries[0].provenance).toMatchObject({ command: 'edit', prompt: 'a bookshelf here' });
    const models = await s.client.callTool({ name: 'models', arguments: { model: 'gpt-image-2' } });
    expect(structured(models)).toMatchObject({ name: 'gpt-image-2', status: 'current' });
    const all = await s.client.callTool({ name: 'models', arguments: {} });
    expect(structured(all).models.length).toBeGreaterThan(5);
  });

  it('dry_run on every tool: the request and its estimate, nothing sent or written', async () => {
    const s = await served();
    const before = listing(s.dir);
    const r = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', size: '1536x1024', quality: 'high', out: 'dry-fox.png', dry_run: true },
    });
    expect(structured(r)).toMatchObject({
      dry_run: true,
      method: 'POST',
      body: { model: 'gpt-image-2', prompt: 'a fox', size: '1536x1024', quality: 'high' },
    });
    expect(structured(r).estimated_cost_usd).toBeGreaterThan(0.1);
    expect(structured(r).headers.authorization).not.toContain('abcdefghijklmnop');
    const mask = await s.client.callTool({
      name: 'mask',
      arguments: { size: '64x64', rect: ['0,0,32,32'], out: 'm.png', dry_run: true },
    });
    expect(structured(mask)).toMatchObject({ dry_run: true, estimated_cost_usd: 0 });
    expect(structured(mask).command).toMatch(/^imgcli mask /);
    expect(mock.requests).toHaveLength(0);
    expect(listing(s.dir)).toEqual(before);
  });
});

describe('dry_run on every tool', () => {
  it('answers what would run; nothing is sent, nothing written', async () => {
    const s = await open(['--base-url', mock.url]);
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#48c' } })
      .png()
      .toFile(join(s.dir, 'in.png'));
    writeFileSync(join(s.dir, 'jobs.jsonl'), `${JSON.stringify({ prompt: 'a fox', out: 'b.png' })}\n`);
    const minimal: Record<string, Record<string, unknown>> = {
      generate: { prompt: 'a fox', out: 'a.png' },
      edit: { images: ['in.png'], prompt: 'a hat', out: 'a.png' },
      vary: { image: 'in.png', out: 'a.png' },
      mask: { like: 'in.png', rect: ['0,0,8,8'], out: 'm.png' },
      markup: { like: 'in.png', shapes: [{ type: 'box', at: [0.1, 0.1, 0.5, 0.5] }], out: 'k.png' },
      models: { remote: true },
      info: { images: ['in.png'] },
      batch_submit: { jobs: 'jobs.jsonl' },
      batch_status: { jobs: 'jobs.jsonl' },
    };
    const { tools } = await s.client.listTools();
    const own = ['status', 'cancel'];
    expect(tools.map((t) => t.name).filter((n) => !own.includes(n))).toEqual(Object.keys(minimal));
    for (const tool of tools.filter((t) => !own.includes(t.name))) {
      expect((tool.inputSchema.properties as Record<string, unknown>).dry_run, tool.name).toMatchObject({
        type: 'boolean',
      });
      const r = await s.client.callTool({ name: tool.name, arguments: { ...minimal[tool.name], dry_run: true } });
      expect(r.isError, `${tool.name}: ${JSON.stringify(structured(r))}`).toBeFalsy();
      const doc = structured(r);
      const lines = (doc.lines ?? []) as Array<{ dry_run?: boolean }>;
      expect(doc.dry_run === true || (lines.length > 0 && lines.every((l) => l.dry_run)), tool.name).toBe(true);
    }
    expect(mock.requests).toHaveLength(0);
    expect(listing(s.dir)).toEqual(['config', 'in.png', 'jobs.jsonl']);
  });
});

describe('refusals are tool errors with the CLI words, and nothing is sent', () => {
  it('a value the model does not take: exit 2, the flag, the values allowed', async () => {
    const s = await served();
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', quality: 'hd' } });
    expect(r.isError).toBe(true);
    expect(structured(r).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(r).error.message).toBe(
      '--quality hd is not valid for gpt-image-2; use one of auto, low, medium, high (dall-e-3 takes hd)',
    );
    // The words the CLI says for the same request, and the same for a size and an edit model's count.
    const cli = await imgcli(['--base-url', mock.url, 'gen', 'a fox', '-q', 'hd']);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.split('\n')).toContain(`error: ${structured(r).error.message}`);
    for (const [tool, args, argv] of [
      ['generate', { prompt: 'a fox', size: '1000x1000' }, ['gen', 'a fox', '-s', '1000x1000']],
      ['vary', { image: 'nowhere.png', model: 'dall-e-3' }, ['vary', 'nowhere.png', '-m', 'dall-e-3']],
    ] as const) {
      const refused = structured(await s.client.callTool({ name: tool, arguments: args })).error;
      const said = await imgcli(['--base-url', mock.url, ...argv], { cwd: s.dir });
      expect(refused.exit_code, tool).toBe(said.exitCode);
      expect(said.stderr.split('\n'), tool).toContain(`error: ${refused.message}`);
    }
    const unknown = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', qualty: 'low' } });
    expect(structured(unknown).error.message).toMatch(/has no argument "qualty"; did you mean quality\?/);
    const badType = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', count: 'many' } });
    expect(structured(badType).error.message).toMatch(/--count takes a whole number, not "many"/);
    expect(mock.requests).toHaveLength(0);
    // The server goes on: a good call after the refusals works.
    expect((await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox' } })).isError).toBeFalsy();
  });

  it('an API error carries its exit code and next step', async () => {
    const s = await served();
    mock.enqueueFault({
      status: 400,
      body: { error: { message: 'Your request was rejected by the safety system.', code: 'moderation_blocked' } },
    });
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'something' } });
    expect(r.isError).toBe(true);
    expect(structured(r).error).toMatchObject({ exit_code: 3, nothing_sent: false });
    expect(structured(r).error.next_step).toMatch(/safety system/);
    expect(mock.requests).toHaveLength(1);
  });
});

describe('money', () => {
  it('--max-cost stops a request that would pass it, before anything is sent; max_cost does for one call', async () => {
    const s = await served(['--max-cost', '0.05']);
    const cheap = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', quality: 'low' } });
    expect(cheap.isError).toBeFalsy();
    expect(structured(cheap).budget.spent_usd).toBeGreaterThan(0);
    const dear = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', quality: 'high', size: '1536x1024' },
    });
    expect(dear.isError).toBe(true);
    expect(structured(dear).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(dear).error.message).toMatch(/would pass the session's --max-cost 0.05/);
    const capped = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', quality: 'medium', max_cost: 0.01 },
    });
    expect(structured(capped).error.message).toMatch(/over max_cost 0.01/);
    expect(mock.requests.filter((q) => q.path === '/v1/images/generations')).toHaveLength(1);
    const status = await s.client.callTool({ name: 'status', arguments: {} });
    expect(structured(status).budget).toMatchObject({ max_cost_usd: 0.05, reserved_usd: 0 });
  });

  it('a request the server may have received is not sent again, and counts as spent', async () => {
    const s = await served(['--max-cost', '0.05']);
    const before = structured(await s.client.callTool({ name: 'status', arguments: {} })).budget.spent_usd as number;
    mock.enqueueFault({ drop: 'before-response' });
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a lost fox', quality: 'low' } });
    expect(structured(r).error).toMatchObject({ exit_code: 6, nothing_sent: false });
    expect(structured(r).error.next_step).toMatch(
      /may have received, and billed, the request; imgcli does not resend it/,
    );
    expect(mock.requests).toHaveLength(1);
    const after = structured(await s.client.callTool({ name: 'status', arguments: {} })).budget;
    expect(after.spent_usd).toBeGreaterThan(before);
    expect(after.reserved_usd).toBe(0);
  });

  it('a request cancelled after it was sent stays counted as spent: a cancelled job, a call the client abandons', async () => {
    const s = await served(['--max-cost', '0.05', '--heartbeat', '5']);
    mock.setLatency(6000);
    const job = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'c1', out: 'c1.png', quality: 'low', wait: false },
    });
    const id = structured(job).job_id as string;
    await until(() => mock.requests.length === 1, 'the request');
    await s.client.callTool({ name: 'cancel', arguments: { job_id: id } });
    const end = await s.client.callTool({ name: 'status', arguments: { job_id: id, wait_seconds: 10 } });
    expect(structured(end).status).toBe('cancelled');
    expect(structured(end).result.error).toMatchObject({ nothing_sent: false });
    const once = structured(await s.client.callTool({ name: 'status', arguments: {} })).budget;
    expect(once.spent_usd).toBeGreaterThan(0);
    expect(once.reserved_usd).toBe(0);
    // The client's own cancellation of a call it waits for: the same.
    const controller = new AbortController();
    const call = s.client.callTool(
      { name: 'generate', arguments: { prompt: 'c2', out: 'c2.png', quality: 'low' } },
      undefined,
      { signal: controller.signal },
    );
    await until(() => mock.requests.length === 2, 'the second request');
    controller.abort();
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    const twice = structured(await s.client.callTool({ name: 'status', arguments: {} })).budget;
    expect(twice.spent_usd).toBeCloseTo(2 * once.spent_usd, 6);
    expect(twice.reserved_usd).toBe(0);
    expect(existsSync(join(s.dir, 'c1.png')) || existsSync(join(s.dir, 'c2.png'))).toBe(false);
  });

  it('the same call under way is never sent a second time', async () => {
    const s = await served();
    mock.setLatency(1500);
    const args = { prompt: 'a slow fox', out: 'slow.png' };
    const first = s.client.callTool({ name: 'generate', arguments: args });
    await new Promise((r) => setTimeout(r, 400));
    const second = await s.client.callTool({ name: 'generate', arguments: args });
    expect(structured(second).error.message).toMatch(/already running; it was not sent again/);
    expect((await first).isError).toBeFalsy();
    expect(mock.requests).toHaveLength(1);
  });
});

describe('long work', () => {
  it('progress notifications while a slow answer is awaited, and one per streamed partial image', async () => {
    const s = await served();
    mock.setLatency(1200);
    const seen: Array<{ progress: number; message?: string }> = [];
    const r = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox' } }, undefined, {
      onprogress: (p) => seen.push(p),
    });
    expect(r.isError).toBeFalsy();
    expect(seen.filter((p) => /working/.test(p.message ?? '')).length).toBeGreaterThanOrEqual(3);
    expect(seen.map((p) => p.progress)).toEqual([...seen.map((p) => p.progress)].sort((a, b) => a - b));
    mock.setLatency(0);
    const partials: string[] = [];
    const streamed = await s.client.callTool(
      { name: 'generate', arguments: { prompt: 'a koi pond', stream: true, partial_images: 2, out: 'koi.png' } },
      undefined,
      { onprogress: (p) => partials.push(p.message ?? '') },
    );
    expect(structured(streamed).partials).toHaveLength(2);
    expect(partials.filter((m) => /partial image \d received/.test(m))).toHaveLength(2);
  });

  it("the client's cancellation aborts the request as Ctrl-C does: nothing written, the server goes on", async () => {
    const s = await served();
    mock.setLatency(10_000);
    const controller = new AbortController();
    const call = s.client.callTool(
      { name: 'generate', arguments: { prompt: 'a fox', out: 'cancelled.png' } },
      undefined,
      {
        signal: controller.signal,
        onprogress: () => controller.abort(),
      },
    );
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    expect(mock.requests.length).toBeLessThanOrEqual(1);
    expect(existsSync(join(s.dir, 'cancelled.png'))).toBe(false);
    expect(readdirSync(s.dir).filter((f) => f.startsWith('.') && f.includes('tmp'))).toEqual([]);
    mock.setLatency(0);
    const after = await s.client.callTool({ name: 'generate', arguments: { prompt: 'a fox', out: 'cancelled.png' } });
    expect(after.isError).toBeFalsy();
    expect(s.stderr()).not.toMatch(/bug in imgcli/);
  });

  it('wait: false answers a job id at once; status answers the result, cancel stops a job', async () => {
    const s = await served();
    mock.setLatency(800);
    const started = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a fox', out: 'j.png', wait: false },
    });
    expect(structured(started)).toMatchObject({ job_id: expect.stringMatching(/^job-\d+$/), status: 'running' });
    const first = structured(started).job_id as string;
    const done = await s.client.callTool({ name: 'status', arguments: { job_id: first, wait_seconds: 20 } });
    expect(structured(done)).toMatchObject({ job_id: first, status: 'done', tool: 'generate' });
    expect(structured(done).result.files[0].path).toBe('j.png');
    expect(images(done).some((c) => c.type === 'image')).toBe(true);
    mock.setLatency(10_000);
    const whale = await s.client.callTool({
      name: 'generate',
      arguments: { prompt: 'a whale', out: 'w.png', wait: false },
    });
    const second = structured(whale).job_id as string;
    expect(second).not.toBe(first);
    const cancelled = await s.client.callTool({ name: 'cancel', arguments: { job_id: second } });
    expect(structured(cancelled).status).toBe('cancelling');
    const end = await s.client.callTool({ name: 'status', arguments: { job_id: second, wait_seconds: 10 } });
    expect(structured(end).status).toBe('cancelled');
    expect(existsSync(join(s.dir, 'w.png'))).toBe(false);
    const unknown = await s.client.callTool({ name: 'status', arguments: { job_id: 'job-9' } });
    expect(structured(unknown).error.message).toMatch(/no job "job-9"/);
    // An unknown id is a tool error for cancel too, not a protocol error.
    const stray = await s.client.callTool({ name: 'cancel', arguments: { job_id: 'job-9' } });
    expect(stray.isError).toBe(true);
    expect(structured(stray).error).toMatchObject({ exit_code: 2, nothing_sent: true });
    expect(structured(stray).error.message).toMatch(/no job "job-9"/);
  });
});

describe('stdout is the protocol', () => {
  it('holds nothing but JSON-RPC, with --verbose and a call that warns', async () => {
    const dir = tempDir('imgcli-mcp-raw-');
    writeFileSync(join(dir, 'x.txt'), 'not an image');
    const { execa } = await import('execa');
    const { BIN, baseEnv } = await import('./helpers/cli.js');
    const lines = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'generate', arguments: { prompt: 'a fox', format: 'jpeg', out: 'a.png' } },
      },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'info', arguments: { images: ['x.txt'] } } },
    ];
    const r = await execa('node', [BIN, 'mcp', '--mock', '--verbose'], {
      cwd: dir,
      env: baseEnv(dir),
      extendEnv: false,
      input: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
      reject: false,
      timeout: 30_000,
    });
    expect(r.exitCode).toBe(0);
    const out = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { jsonrpc: string; id?: number });
    expect(out.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(out.map((m) => m.id).filter(Boolean)).toEqual([1, 2, 3]);
    expect(r.stderr).toMatch(/\[imgcli\] mcp: serving on stdio/);
  });
});

describe('stopping', () => {
  it('SIGTERM stops a call under way as Ctrl-C stops the CLI: exit 143, nothing written, nothing left behind', async () => {
    const dir = tempDir('imgcli-mcp-stop-');
    const { execa } = await import('execa');
    const { BIN, baseEnv } = await import('./helpers/cli.js');
    mock.setLatency(10_000);
    const child = execa('node', [BIN, '--base-url', mock.url, 'mcp'], {
      cwd: dir,
      env: baseEnv(dir),
      extendEnv: false,
      reject: false,
      timeout: 30_000,
    });
    const send = (message: object) => child.stdin!.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'generate', arguments: { prompt: 'a fox', out: 'stopped.png' } },
    });
    await until(() => mock.requests.length === 1, 'the request');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(r.stderr).toContain('imgcli: mcp server stopped (SIGTERM); the calls under way were stopped');
    expect(readdirSync(dir).filter((f) => f !== 'config')).toEqual([]);
    expect(r.stderr).not.toMatch(/bug in imgcli/);
  });
});
