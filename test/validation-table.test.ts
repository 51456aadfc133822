// Every validation rule for every model and endpoint in the table, checked in-process through
// validateRequest: each refusal names the flag, the bad value and the allowed values, and every
// allowed value is taken. The cases are derived from the table itself. A handful of runs of the
// built binary prove the wiring: exit 2, the message on stderr, nothing sent.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { validateRequest } from '../src/models/schema.js';
import { RULE_SOURCES } from '../src/models/rule-sources.js';
import { IMAGE_FIELDS, intRange, longFlag, type ImageField } from '../src/models/fields.js';
import {
  MODELS,
  endpointRules,
  endpointsOf,
  resolveModel,
  type Endpoint,
  type EndpointRules,
} from '../src/models/table.js';
import { imgcli, tempDir } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

type Fields = Record<string, unknown>;
/** [what, the body's fields, the whole message or a pattern for it] */
type Case = [string, Fields, string | RegExp];

const oneOf = (values: readonly string[]) => `use one of ${values.join(', ')}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const LIST_FIELDS = IMAGE_FIELDS.filter((f) => f.kind === 'list');
// Whole numbers whose range is model data (--frames...): every one of them, for every model.
const RANGE_FIELDS = (IMAGE_FIELDS as readonly ImageField[]).filter(
  (f) => f.kind === 'int' && f.rule && !f.range && f.rule !== 'stream',
);

/** The fields a field needs beside it: an animated format for the animation fields, svg for the svg object's. */
function companions(f: ImageField, r: EndpointRules): Fields {
  if (!f.needs) return {};
  const format = Object.entries(r.formatRules ?? {}).find(([, rule]) => rule?.[f.needs!])?.[0];
  return format ? { output_format: format } : {};
}

function rangeCases(model: string, endpoint: Endpoint, r: EndpointRules, notTaken: (flag: string) => RegExp): Case[] {
  return RANGE_FIELDS.flatMap((f): Case[] => {
    const flag = longFlag(f);
    const range = intRange(f, r);
    if (!range) return [[`${f.api} not taken`, { [f.api]: 2 }, notTaken(flag)]];
    const use = `use ${range.min} to ${range.max}${range.step ? ` in steps of ${range.step}` : ''}`;
    const bad = (v: number): Case => [
      `${f.api} ${v}`,
      { ...companions(f, r), [f.api]: v },
      `${flag} ${v} is not valid for ${model}; ${use}`,
    ];
    const cases = [bad(range.max + (range.step ?? 1)), bad(range.min - (range.step ?? 1)), bad(range.min + 0.5)];
    if (range.step) cases.push(bad(range.min + 1));
    if (f.needs === 'animated')
      cases.push([
        `${f.api} without an animation`,
        { [f.api]: range.min, output_format: 'png' },
        `${flag} works only with --format gif (an animation), not png`,
      ]);
    return cases;
  });
}
const ENDPOINTS: Endpoint[] = ['generations', 'edits', 'variations'];

/** A value some model of the table takes for a list field (the first one found). */
function someValue(f: (typeof LIST_FIELDS)[number]): string {
  // --action is the image tool's alone (imgcli chat).
  for (const m of MODELS)
    for (const e of [...ENDPOINTS, 'responses'] as const) {
      const values = endpointRules(resolveModel(m.id), e)?.[f.rule] as readonly string[] | undefined;
      if (values?.length) return values[0]!;
    }
  throw new Error(`no model takes ${f.api}`);
}

function refusalsFor(model: string, endpoint: Endpoint, r: EndpointRules): Case[] {
  const notTaken = (flag: string) =>
    new RegExp(`^${escape(flag)} is not accepted by ${escape(model)} for ${endpoint}\\b`);
  const counts = r.n.min === r.n.max ? `it takes ${r.n.min} only` : `use ${r.n.min} to ${r.n.max}`;
  const sizes = r.customSize ? `; or ${oneOf(r.sizes)}` : `; ${oneOf(r.sizes)}`;
  const badSize = (size: string, problem?: string) =>
    `--size ${size} is not valid for ${model}${problem ? `: ${problem}` : ''}${sizes}`;
  const list = (
    flag: string,
    field: string,
    values: readonly string[] | undefined,
    bad: string,
    good: string,
    beside: Fields = {},
  ): Case =>
    values
      ? [
          `bad ${field}`,
          { ...beside, [field]: bad },
          new RegExp(`^${escape(`${flag} ${bad} is not valid for ${model}; ${oneOf(values)}`)}( \\(.*\\))?$`),
        ]
      : [`${field} not taken`, { [field]: good }, notTaken(flag)];

  const cases: Case[] = [
    ['count above max', { n: r.n.max + 1 }, `--count ${r.n.max + 1} is not valid for ${model}; ${counts}`],
    ['count 0', { n: 0 }, `--count 0 is not valid for ${model}; ${counts}`],
    ['count not whole', { n: 1.5 }, `--count 1.5 is not valid for ${model}; ${counts}`],
    // Every list field of the field table: a value no model takes, or one that some model takes where this one takes none.
    ...LIST_FIELDS.map((f) =>
      list(longFlag(f), f.api, r[f.rule] as readonly string[] | undefined, 'zzz', someValue(f), companions(f, r)),
    ),
  ];
  if (r.sizes.length) {
    cases.push([
      'bad size',
      { size: '999x999' },
      r.customSize ? badSize('999x999', 'both edges must be multiples of 16') : badSize('999x999'),
    ]);
  }
  if (r.customSize) {
    cases.push(
      ['size not WIDTHxHEIGHT', { size: 'big' }, badSize('big', 'sizes are written WIDTHxHEIGHT, e.g. 1536x864')],
      ['size not a multiple of 16', { size: '1000x1000' }, badSize('1000x1000', 'both edges must be multiples of 16')],
      [
        'long edge and aspect beyond the rule',
        { size: '4000x1024' },
        badSize(
          '4000x1024',
          `the long edge can be at most ${r.customSize.maxEdge}, and the aspect ratio must be between 1:3 and 3:1`,
        ),
      ],
      [
        'too few pixels',
        { size: '640x640' },
        badSize('640x640', 'the total pixels must be between 655,360 and 8,294,400'),
      ],
    );
  }
  if (r.prompt) {
    cases.push(
      ['empty prompt', { prompt: '   ' }, 'the prompt is empty; give it as words, `-` to read stdin, or @file'],
      [
        'prompt too long',
        { prompt: 'x'.repeat(r.prompt.max + 1) },
        `the prompt is ${r.prompt.max + 1} characters; ${model} takes at most ${r.prompt.max}`,
      ],
    );
  } else {
    cases.push(['prompt not taken', { prompt: 'a fox' }, notTaken('the prompt')]);
  }
  if (r.backgrounds?.includes('transparent') && r.formats?.includes('jpeg')) {
    cases.push([
      'transparent jpeg',
      { background: 'transparent', output_format: 'jpeg' },
      `--background transparent needs --format ${r.formats.includes('svg') ? 'png, webp or svg' : 'png or webp'} (jpeg has no alpha channel)`,
    ]);
  }
  // Output formats with rules of their own (gpt-image-2.6's gif and svg), from the table's formatRules.
  for (const [format, rule] of Object.entries(r.formatRules ?? {})) {
    if (rule?.maxCount !== undefined) {
      const n = rule.maxCount + 1;
      cases.push([
        `${format} count above its maximum`,
        { output_format: format, n },
        `--count ${n} with --format ${format}: ${model} makes one image per request in ${format}; use -n ${rule.maxCount} (imgcli batch runs several requests)`,
      ]);
    }
    if (rule?.streams === false)
      cases.push([
        `${format} streamed`,
        { output_format: format, stream: true, partial_images: 2 },
        `--stream and --partial-images do not work with --format ${format}: ${model} sends a ${format} whole, with no partial images`,
      ]);
    if (r.compression && format !== 'jpeg' && format !== 'webp')
      cases.push([
        `compression with ${format}`,
        { output_format: format, output_compression: 50 },
        `--compression works only with --format jpeg or webp; ${format} ${format === 'svg' ? 'is text' : 'is lossless'}`,
      ]);
    for (const f of (IMAGE_FIELDS as readonly ImageField[]).filter((f) => f.needs && rule?.[f.needs]))
      cases.push([
        `${f.api} without ${format}`,
        { [f.api]: f.kind === 'int' ? intRange(f, r)!.min : f.kind === 'list' ? someValue(f as never) : 'gpt-5' },
        `${longFlag(f)} works only with --format ${format} (${f.needs === 'animated' ? 'an animation' : 'a document written by a text model'}), not png`,
      ]);
    if (rule?.sheet) {
      cases.push([
        `${format} frames beyond the sheet`,
        { output_format: format, size: '1024x1024', frame_count: 6 },
        new RegExp(
          `^6 frames of 1024x1024 do not fit ${escape(model)}'s frame sheet: .* at 1024x1024 use --frames 2 to 3; for 6 frames use -s 1024x640; or -s auto`,
        ),
      ]);
      cases.push([
        `${format} default frames beyond the sheet`,
        { output_format: format, size: '1536x1024' },
        new RegExp(`^9 frames \\(the default\\) of 1536x1024 do not fit`),
      ]);
    }
  }
  if (r.compression) {
    cases.push(
      [
        'compression with png',
        { output_compression: 50 },
        '--compression works only with --format jpeg or webp; png is lossless',
      ],
      ['compression out of range', { output_compression: 101, output_format: 'jpeg' }, '--compression takes 0 to 100'],
    );
  } else {
    cases.push(['compression not taken', { output_compression: 50 }, notTaken('--compression')]);
  }
  cases.push(...rangeCases(model, endpoint, r, notTaken));
  if (r.stream) {
    cases.push([
      'partial images out of range',
      { stream: true, partial_images: r.stream.maxPartialImages + 1 },
      `--partial-images takes 0 to ${r.stream.maxPartialImages}`,
    ]);
  } else {
    cases.push(['stream not taken', { stream: true }, notTaken('--stream')]);
  }
  return cases;
}

/** Bodies that use each allowed value once: none may be refused. */
function acceptedFor(r: EndpointRules): Fields[] {
  const each = (field: string, values: readonly string[] | undefined) => (values ?? []).map((v) => ({ [field]: v }));
  const bodies: Fields[] = [
    { n: r.n.min },
    { n: r.n.max },
    ...each('size', r.sizes),
    ...LIST_FIELDS.flatMap((f) =>
      each(f.api, r[f.rule] as readonly string[] | undefined).map((b) => ({ ...companions(f, r), ...b })),
    ).map((b) => (b.background === 'transparent' ? { ...b, output_format: 'png' } : b)),
  ];
  if (r.formatRules?.svg)
    bodies.push(
      { output_format: 'svg', background: 'transparent' },
      { output_format: 'svg', 'svg.model': 'gpt-5-mini', 'svg.reasoning.effort': 'max' },
    );
  if (r.customSize) bodies.push({ size: '2048x1152' }, { size: `${r.customSize.maxEdge}x1280` });
  if (r.compression)
    bodies.push({ output_compression: 0, output_format: 'jpeg' }, { output_compression: 100, output_format: 'webp' });
  if (r.stream)
    bodies.push({ stream: true, partial_images: 0 }, { stream: true, partial_images: r.stream.maxPartialImages });
  for (const f of RANGE_FIELDS) {
    const range = intRange(f, r);
    if (range) bodies.push({ ...companions(f, r), [f.api]: range.min }, { ...companions(f, r), [f.api]: range.max });
  }
  for (const [format, rule] of Object.entries(r.formatRules ?? {})) {
    if (rule?.maxCount !== undefined) bodies.push({ output_format: format, n: rule.maxCount });
    if (rule?.sheet)
      bodies.push(
        { output_format: format, size: '1024x1024', frame_count: 3 },
        { output_format: format, size: '1024x640', frame_count: 6 },
        { output_format: format, frame_count: 16 },
      );
  }
  if (r.prompt) bodies.push({ prompt: 'x'.repeat(r.prompt.max) });
  return bodies;
}

// The Images API's endpoints; the image tool of imgcli chat (its own wording, one image a turn) is chat.test.ts's.
const targets = MODELS.flatMap((m) =>
  endpointsOf(resolveModel(m.id))
    .filter((endpoint) => endpoint !== 'responses')
    .map((endpoint) => ({
      model: m.id,
      endpoint,
      rules: endpointRules(resolveModel(m.id), endpoint)!,
    })),
);
// A GIF edit is sent with a warning (a reported rule: one relay says GIF is for generations
// only); its own test is below. Every other reported rule of the table refuses here, as --strict does.
const request = (model: string, endpoint: Endpoint, rules: EndpointRules, fields: Fields) =>
  validateRequest(
    resolveModel(model),
    endpoint,
    { model, ...(rules.prompt ? { prompt: 'a fox' } : {}), ...fields },
    {
      onReported: (message, source) => {
        if (source !== RULE_SOURCES.gifEdits) throw new UsageError(message);
      },
    },
  );

describe('every rule of every model, in-process', () => {
  it('covers every model of the table and each endpoint it has', () => {
    expect(new Set(targets.map((t) => t.model))).toEqual(new Set(MODELS.map((m) => m.id)));
    expect(targets.filter((t) => t.endpoint === 'variations').map((t) => t.model)).toEqual(['dall-e-2']);
  });

  const refusals = targets.flatMap(({ model, endpoint, rules }) =>
    refusalsFor(model, endpoint, rules).map(
      ([what, fields, message]) => [`${model} ${endpoint}: ${what}`, model, endpoint, rules, fields, message] as const,
    ),
  );
  it.each(refusals)('%s', (_name, model, endpoint, rules, fields, message) => {
    let thrown: unknown;
    try {
      request(model, endpoint, rules, fields);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    const text = (thrown as Error).message;
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  const accepted = targets.map(
    ({ model, endpoint, rules }) => [`${model} ${endpoint}`, model, endpoint, rules] as const,
  );
  it.each(accepted)('%s takes every allowed value', (_name, model, endpoint, rules) => {
    for (const fields of acceptedFor(rules))
      expect(() => request(model, endpoint, rules, fields), JSON.stringify(fields).slice(0, 80)).not.toThrow();
  });
});

const mock = useMockServer();

// --count is parsed by commander before any model rule runs: the same answer for every model.
describe('a count that is not a number, for every model', () => {
  it.each(MODELS.map((m) => m.id))('%s', async (model) => {
    const r = await runInProcess(['--base-url', mock.url, 'gen', 'a fox', '-m', model, '-n', 'abc']);
    expect(r.stderr).toMatch(/--count takes a whole number/);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });
});

describe.concurrent('the wiring: the built binary refuses before sending', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
      .png()
      .toFile(join(dir, 'square.png'));
    writeFileSync(join(dir, 'prompt.txt'), `${'x'.repeat(1001)}\n`);
  });

  it.each([
    [
      ['gen', 'a fox', '-m', 'gpt-image-1.5', '-s', '999x999'],
      'error: --size 999x999 is not valid for gpt-image-1.5; use one of auto, 1024x1024, 1536x1024, 1024x1536\n',
    ],
    [
      ['gen', 'a fox', '-m', 'dall-e-3', '-n', '2', '-q', 'low'],
      'error: --count 2 is not valid for dall-e-3; it takes 1 only\n--quality low is not valid for dall-e-3; use one of standard, hd (GPT image models take low)\n',
    ],
    [['gen', '@prompt.txt', '-m', 'dall-e-2'], 'error: the prompt is 1001 characters; dall-e-2 takes at most 1000\n'],
    [
      ['edit', 'square.png', '-p', 'a scarf', '-m', 'gpt-image-2', '--compression', '50'],
      'error: --compression works only with --format jpeg or webp; png is lossless\n',
    ],
    [
      ['vary', 'square.png', '-m', 'dall-e-2', '-s', '1536x1024'],
      'error: --size 1536x1024 is not valid for dall-e-2; use one of 256x256, 512x512, 1024x1024\n',
    ],
  ])('%j', async (args, stderr) => {
    const r = await imgcli(['--base-url', mock.url, ...args], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(`${r.stderr}\n`).toBe(stderr);
    expect(r.stdout).toBe('');
    expect(mock.requests).toHaveLength(0);
  });
});
