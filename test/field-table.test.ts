// The field table is the one list of request parameters: flags, help, batch keys and the offline
// server's checks all come from it (in-process).
import { describe, expect, it } from 'vitest';
import { JOB_KEYS } from '../src/batch/parse.js';
import {
  IMAGE_FIELDS,
  allowedText,
  fieldHelp,
  flagForApi,
  longFlag,
  offeredBy,
  readField,
  type ImageCommand,
} from '../src/models/fields.js';
import { validateParams } from '../src/mock/validate.js';
import { MODELS, endpointRules, resolveModel } from '../src/models/table.js';
import { endpointFor } from '../src/models/fields.js';

const COMMANDS: ImageCommand[] = ['gen', 'edit', 'vary'];

describe('the field table', () => {
  it('names every flag and API field once', () => {
    for (const key of ['name', 'api'] as const)
      expect(new Set(IMAGE_FIELDS.map((f) => f[key])).size).toBe(IMAGE_FIELDS.length);
    expect(new Set(IMAGE_FIELDS.map((f) => longFlag(f))).size).toBe(IMAGE_FIELDS.length);
    expect(flagForApi('output_format')).toBe('--format');
    expect(flagForApi('prompt')).toBe('the prompt');
  });

  it('writes into each help line every value some model of the command takes', () => {
    for (const command of COMMANDS) {
      for (const field of IMAGE_FIELDS.filter((f) => f.kind === 'list')) {
        const help = fieldHelp(field, command);
        for (const m of MODELS) {
          const endpoint = endpointFor(command, m.family);
          const values =
            endpoint && (endpointRules(resolveModel(m.id), endpoint)?.[field.rule] as readonly string[] | undefined);
          for (const v of values ?? []) expect(help, `${command} ${longFlag(field)} ${m.id}`).toContain(v);
        }
      }
    }
    expect(allowedText(IMAGE_FIELDS.find((f) => f.name === 'quality')!, 'gen')).toMatch(
      /^auto, low, medium, high \(.*add xhigh, max; dall-e-3: standard, hd/,
    );
  });

  it('offers a flag on a command when some model takes it there, and hides it otherwise', () => {
    const offered = (command: ImageCommand) => IMAGE_FIELDS.filter((f) => offeredBy(f, command)).map((f) => f.name);
    expect(offered('gen')).not.toContain('inputFidelity');
    expect(offered('edit')).toEqual(expect.arrayContaining(['inputFidelity', 'quality', 'stream']));
    // JSON edits take --moderation, multipart ones do not: offered, and the help says when.
    expect(offered('edit')).toContain('moderation');
    expect(offeredBy(IMAGE_FIELDS.find((f) => f.name === 'moderation')!, 'edit', 'multipart')).toBe(false);
    expect(fieldHelp(IMAGE_FIELDS.find((f) => f.name === 'moderation')!, 'edit')).toBe(
      'content filtering: auto, low (GPT image models only) (sent as JSON only: an input given as a URL or file id, or --body json)',
    );
    expect(offered('edit')).not.toContain('style');
    // vary goes through edits for GPT models, so it takes their flags.
    expect(offered('vary')).toEqual(
      expect.arrayContaining(['quality', 'format', 'background', 'stream', 'partialImages']),
    );
  });

  it('gives batch jobs exactly the keys their command offers', () => {
    for (const command of COMMANDS)
      for (const f of IMAGE_FIELDS)
        expect(JOB_KEYS[command].includes(f.name), `${command} ${f.name}`).toBe(offeredBy(f, command));
  });

  it('reads command-line strings and batch JSON values with the same rules', () => {
    const count = IMAGE_FIELDS.find((f) => f.name === 'count')!;
    expect(readField(count, '3')).toBe(3);
    expect(readField(count, 3)).toBe(3);
    expect(() => readField(count, '3.5')).toThrow(/--count takes a whole number, not "3.5"/);
    expect(readField(IMAGE_FIELDS.find((f) => f.name === 'format')!, 'JPG')).toBe('jpeg');
    expect(() => readField(IMAGE_FIELDS.find((f) => f.name === 'stream')!, 'yes')).toThrow(/--stream is on or off/);
  });

  it('lets the offline server admit every field a model takes, and only those', () => {
    for (const m of MODELS) {
      const rules = endpointRules(resolveModel(m.id), 'generations');
      if (!rules) continue;
      for (const f of IMAGE_FIELDS) {
        const takes = !f.rule || rules[f.rule] !== undefined;
        const answer = validateParams(
          {
            model: m.id,
            prompt: 'x',
            [f.api]: f.kind === 'switch' ? true : f.kind === 'count' || f.kind === 'int' ? 1 : 'zzz',
          },
          rules,
        );
        if (!takes) expect(answer, `${m.id} ${f.api}`).toMatchObject({ code: 'unknown_parameter', param: f.api });
        else expect(answer?.code, `${m.id} ${f.api}`).not.toBe('unknown_parameter');
      }
    }
  });
});
