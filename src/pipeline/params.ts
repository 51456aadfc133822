// --param key=value: extra request fields the model table does not know, for servers with their
// own options. Values are JSON when they parse as JSON (42, true, {"a":1}), text otherwise,
// and are sent exactly as given. A field that has a flag may be set too: the param wins and the
// table's checks of that field step aside (the table's facts may be wrong, or a server may know
// more). Only the command's own inputs (model, prompt, files) are refused.
import { own } from '../own.js';
import { UsageError } from '../errors.js';
import { FlagValueError, fieldByApi, longFlag } from '../models/fields.js';

export type Param = [key: string, value: unknown];

const KEY = /^[A-Za-z_][A-Za-z0-9_.[\]-]*$/;

/** Reads one repeatable --param key=value onto the pairs so far, in order. */
export function parseParam(raw: string, previous: Param[] = []): Param[] {
  const eq = raw.indexOf('=');
  const key = eq > 0 ? raw.slice(0, eq).trim() : '';
  if (!KEY.test(key))
    throw new FlagValueError(`--param takes key=value, e.g. --param seed=42 or --param 'extra={"a":1}'; got "${raw}".`);
  const text = raw.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: sent as the text it is
  }
  return [...previous, [key, value]];
}

/** The inputs a param may not replace: what picks the model's rules, the prompt, the files. */
const OWN_INPUTS: Record<string, string> = {
  model: '-m/--model (any model name is taken)',
  prompt: 'the prompt',
  image: "the command's image arguments",
  'image[]': "the command's image arguments",
  images: "the command's image arguments",
  mask: '--mask',
};

/** Refuses params that would replace the command's own inputs; returns the params. */
export function checkParams(params: Param[] | undefined): Param[] {
  for (const [key] of params ?? []) {
    const instead = own(OWN_INPUTS, key);
    if (instead)
      throw new UsageError(
        `--param ${key}=... would replace the command's own input; use ${instead} instead`,
        'Keep --param for request fields: those the model table does not know, or ones whose check you want to override.',
      );
  }
  return params ?? [];
}

/**
 * The params that set a field with a flag (sent as given, unchecked), each with the flag it
 * overrides; for the notice, and so that validation lets those fields through.
 */
export function overriddenFields(params: Param[] | undefined): Array<{ key: string; flag: string; value: unknown }> {
  return checkParams(params).flatMap(([key, value]) => {
    const field = fieldByApi(key);
    return field ? [{ key, flag: longFlag(field), value }] : [];
  });
}

/** Adds the params to a validated JSON body (generations). */
export function applyParams(body: Record<string, unknown>, params: Param[] | undefined): Record<string, unknown> {
  const checked = checkParams(params);
  return checked.length ? { ...body, ...Object.fromEntries(checked) } : body;
}

/** The same params as multipart form fields (edits, variations): text as is, the rest as JSON. */
export function paramsAsFormFields(params: Param[] | undefined): Array<[string, string]> {
  return checkParams(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
}
