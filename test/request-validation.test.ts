// The per-model request schemas, in-process: every rule of the reference's section 3.
import { providerById } from '../src/models/providers.js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { modelAdvice } from '../src/models/advice.js';
import { FAMILIES, MODELS, endpointRules, modelStatus, resolveModel, findModel } from '../src/models/table.js';
import { customSizeProblem } from '../src/models/sizes.js';
import { validateRequest } from '../src/models/schema.js';

const gen = (model: string, fields: Record<string, unknown>) =>
  validateRequest(resolveModel(model), 'generations', { model, prompt: 'a fox', ...fields });

function refusal(model: string, fields: Record<string, unknown>): string {
  try {
    gen(model, fields);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected ${model} ${JSON.stringify(fields)} to be refused`);
}

describe('model table', () => {
  it('holds every model of the reference with a family and status data', () => {
    const ids = MODELS.map((m) => m.id);
    for (const id of [
      'gpt-image-2.6-flare',
      'gpt-image-2.6-sunburst',
      'gpt-image-2.5-flare',
      'gpt-image-2.5-sunburst',
      'gpt-image-2',
      'gpt-image-1.5',
      'gpt-image-1-mini',
      'chatgpt-image-latest',
      'gpt-image-1',
      'dall-e-3',
      'dall-e-2',
    ]) {
      expect(ids).toContain(id);
    }
    expect(findModel('gpt-image-2.5')?.id).toBe('gpt-image-2.5-flare');
    expect(findModel('gpt-image-2-2026-04-21')?.id).toBe('gpt-image-2');
    expect(findModel('gpt-image-2.5-flare-2026-09-08')?.id).toBe('gpt-image-2.5-flare');
    expect(findModel('gpt-image-2.5-sunburst-2026-09-08')?.id).toBe('gpt-image-2.5-sunburst');
    expect(findModel('gpt-image-1.5-2025-12-16')?.id).toBe('gpt-image-1.5');
    for (const m of MODELS) expect(m.checked, m.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The models shut down on 2026-12-01 name the 2.6 model OpenAI's deprecations page names.
    for (const m of MODELS.filter((x) => x.shutdown === '2026-12-01'))
      expect(m.replacement, m.id).toBe('gpt-image-2.6-flare');
  });

  it('computes status from the shutdown date', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(modelStatus(findModel('gpt-image-2'), now)).toEqual({ state: 'current' });
    expect(modelStatus(findModel('gpt-image-1.5'), now)).toEqual({
      state: 'retiring',
      shutdown: '2026-12-01',
      daysLeft: 10,
    });
    expect(modelStatus(findModel('gpt-image-1'), now)).toEqual({ state: 'retired', shutdown: '2026-10-23' });
    expect(modelStatus(findModel('gpt-image-1.5'), new Date('2026-12-01T00:00:00Z')).state).toBe('retired');
  });

  it('refuses retired models and warns about retiring ones only against api.openai.com', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const openai = providerById('openai')!;
    expect(modelAdvice(resolveModel('dall-e-3'), openai, now).refuse).toMatch(/shut down on 2026-05-12.*gpt-image-2/);
    expect(modelAdvice(resolveModel('dall-e-3'), providerById('compatible')!, now)).toEqual({});
    expect(modelAdvice(resolveModel('gpt-image-1.5'), openai, now).warn).toMatch(
      /2026-12-01 \(in 10 days\); use gpt-image-2\.6-flare/,
    );
    expect(modelAdvice(resolveModel('gpt-image-2'), openai, now)).toEqual({});
    expect(modelAdvice(resolveModel('my-local-model'), openai, now).notice).toMatch(
      /not in imgcli's model table; sending the flags as given/,
    );
  });

  it('guesses rules for unknown names from their prefix', () => {
    expect(resolveModel('gpt-image-3').family).toBe('gpt-image-2.6');
    expect(resolveModel('chatgpt-image-next').family).toBe('gpt-image-2.6');
    expect(resolveModel('dall-e-3-hd').family).toBe('dall-e-3');
    expect(resolveModel('dall-e-9').family).toBe('dall-e-2');
    expect(resolveModel('flux-dev').family).toBe('other');
  });

  it('gives input_fidelity to gpt-image-1 and gpt-image-1.5 edits only, and low alone to gpt-image-1-mini', () => {
    expect(endpointRules(resolveModel('gpt-image-1.5'), 'edits')?.inputFidelity).toEqual(['low', 'high']);
    expect(endpointRules(resolveModel('gpt-image-1'), 'edits')?.inputFidelity).toBeDefined();
    expect(endpointRules(resolveModel('gpt-image-1-mini'), 'edits')?.inputFidelity).toEqual(['low']);
    expect(endpointRules(resolveModel('gpt-image-2'), 'edits')?.inputFidelity).toBeUndefined();
    expect(endpointRules(resolveModel('gpt-image-1.5'), 'generations')?.inputFidelity).toBeUndefined();
    expect(FAMILIES['dall-e-3'].endpoints.edits).toBeUndefined();
  });
});

describe('generation requests', () => {
  it('accepts a plain request and keeps only what was set', () => {
    expect(gen('gpt-image-2', { n: 2, size: '1536x1024', quality: undefined })).toEqual({
      model: 'gpt-image-2',
      prompt: 'a fox',
      n: 2,
      size: '1536x1024',
    });
  });

  it.each([
    ['gpt-image-2', { style: 'vivid' }, /--style is not accepted by gpt-image-2.*dall-e-3/],
    ['dall-e-3', { n: 2 }, /--count 2 is not valid for dall-e-3; it takes 1 only/],
    [
      'gpt-image-1.5',
      { size: '1792x1024' },
      /--size 1792x1024 is not valid for gpt-image-1.5; use one of auto, 1024x1024, 1536x1024, 1024x1536/,
    ],
    ['gpt-image-2', { size: '1000x1000' }, /multiples of 16/],
    ['gpt-image-2', { size: '4000x1000' }, /aspect ratio/],
    ['gpt-image-2', { size: '640x640' }, /total pixels/],
    ['gpt-image-2', { size: 'big' }, /WIDTHxHEIGHT/],
    [
      'gpt-image-2',
      { background: 'transparent', output_format: 'jpeg' },
      /--background transparent needs --format png or webp \(jpeg has no alpha channel\)/,
    ],
    ['gpt-image-2', { output_compression: 50 }, /--compression works only with --format jpeg or webp/],
    ['gpt-image-2', { output_compression: 101, output_format: 'jpeg' }, /--compression takes 0 to 100/],
    ['gpt-image-2', { quality: 'hd' }, /--quality hd is not valid for gpt-image-2; use one of auto, low, medium, high/],
    ['gpt-image-2', { quality: 'max' }, /--quality max is not valid/],
    ['gpt-image-2', { response_format: 'url' }, /--response-format is not accepted by gpt-image-2.*base64/],
    ['gpt-image-2', { moderation: 'strict' }, /--moderation strict is not valid.*auto, low/],
    ['gpt-image-2', { output_format: 'gif' }, /--format gif is not valid.*png, jpeg, webp/],
    ['dall-e-2', { prompt: 'x'.repeat(1001) }, /1001 characters; dall-e-2 takes at most 1000/],
    ['dall-e-3', { prompt: 'x'.repeat(4001) }, /4001 characters; dall-e-3 takes at most 4000/],
    ['gpt-image-2', { prompt: 'x'.repeat(32001) }, /32001 characters/],
    ['gpt-image-2', { prompt: '   ' }, /the prompt is empty/],
    ['gpt-image-2', { n: 0 }, /--count 0 is not valid.*1 to 10/],
    ['gpt-image-2', { n: 11 }, /--count 11 is not valid/],
    ['dall-e-2', { quality: 'high' }, /--quality high is not valid for dall-e-2; use one of standard/],
    ['dall-e-2', { output_format: 'png' }, /--format is not accepted by dall-e-2/],
    ['dall-e-3', { background: 'opaque' }, /--background is not accepted by dall-e-3/],
    ['dall-e-3', { style: 'pastel' }, /--style pastel is not valid for dall-e-3; use one of vivid, natural/],
    ['dall-e-3', { moderation: 'low' }, /--moderation is not accepted by dall-e-3/],
    ['gpt-image-1', { size: '2048x2048' }, /--size 2048x2048 is not valid for gpt-image-1/],
  ])('%s %j is refused', (model, fields, message) => {
    expect(refusal(model, fields)).toMatch(message);
  });

  it('takes what each model allows', () => {
    expect(() => gen('gpt-image-2.5-flare', { quality: 'max', size: '3840x2160' })).not.toThrow();
    expect(() =>
      gen('gpt-image-2', {
        size: '2048x1152',
        background: 'transparent',
        output_format: 'webp',
        output_compression: 80,
      }),
    ).not.toThrow();
    expect(() =>
      gen('dall-e-3', { quality: 'hd', style: 'natural', size: '1792x1024', response_format: 'b64_json' }),
    ).not.toThrow();
    expect(() => gen('dall-e-2', { n: 10, size: '256x256', response_format: 'url' })).not.toThrow();
    expect(() => gen('flux-dev', { size: '999x999', quality: 'ultra', whatever: 1 })).not.toThrow();
  });

  it('lists every problem at once', () => {
    const message = refusal('gpt-image-2', { style: 'vivid', quality: 'hd' });
    expect(message).toMatch(/--style/);
    expect(message).toMatch(/--quality hd/);
  });

  it('words every refusal itself, the checks zod makes included', () => {
    expect(refusal('', {})).toBe('--model is empty; name a model, e.g. gpt-image-2 (`imgcli models` lists them)');
    expect(refusal('gpt-image-2', { n: 2.5 })).toBe('--count 2.5 is not valid for gpt-image-2; use 1 to 10');
    expect(refusal('gpt-image-2', { n: 'two' })).toBe('--count must be a whole number; use 1 to 10');
    expect(refusal('gpt-image-2', { style: 'vivid' })).toMatch(
      /^--style is not accepted by gpt-image-2 for generations; it is for dall-e-3/,
    );
  });
});

describe('custom sizes', () => {
  const rule = FAMILIES['gpt-image-2'].endpoints.generations!.customSize!;
  it.each([
    ['1024x1024', undefined],
    ['3840x2160', undefined],
    ['3840x1280', undefined],
    ['1008x1008', undefined],
    ['1000x1000', /multiples of 16/],
    ['4096x1024', /long edge/],
    ['3840x1024', /aspect/],
    ['640x640', /total pixels/],
  ])('%s', (size, problem) => {
    const found = customSizeProblem(size, rule);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('input_fidelity refusals say what the API answers', () => {
  const edit = (model: string, fields: Record<string, unknown>) => () =>
    validateRequest(resolveModel(model), 'edits', { model, prompt: 'a fox', ...fields });

  it('refuses it for gpt-image-2, quoting the 400 the API gives', () => {
    expect(edit('gpt-image-2', { input_fidelity: 'low' })).toThrow(
      /--input-fidelity is not accepted by gpt-image-2 for edits \(gpt-image-2 answers 400 invalid_input_fidelity_model\); it is for gpt-image-1\.5, gpt-image-1-mini, gpt-image-1/,
    );
  });

  it('refuses high for gpt-image-1-mini, and takes low', () => {
    expect(edit('gpt-image-1-mini', { input_fidelity: 'high' })).toThrow(
      /^--input-fidelity high is not valid for gpt-image-1-mini; use one of low \(gpt-image-1-mini refuses high; gpt-image-1\.5 and gpt-image-1 take high\)$/,
    );
    expect(edit('gpt-image-1-mini', { input_fidelity: 'low' })).not.toThrow();
  });

  it('does not offer it to the 2.5 and 2.6 families, whose docs do not list it', () => {
    for (const id of ['gpt-image-2.5-flare', 'gpt-image-2.6-flare', 'gpt-image-2.6-sunburst'])
      expect(edit(id, { input_fidelity: 'low' }), id).toThrow(/--input-fidelity is not accepted/);
  });
});
