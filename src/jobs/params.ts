// --param key=value: extra request fields the model table does not know, for servers with their
// own options. Values are JSON when they parse as JSON (42, true, {"a":1}), text otherwise,
// and are sent exactly as given. Fields that have a flag are refused: the flag validates them.
import { UsageError } from '../errors.js';
import { FlagValueError, fieldByApi, longFlag } from '../models/fields.js';

export type Param = [key: string, value: unknown];

const KEY = /^[A-Za-z_][A-Za-z0-9_.[\]-]*$/;

/** Reads one repeatable --param key=value onto the pairs so far, in order. */
export function parseParam(raw: string, previous: Param[] = []): Param[] {
  const eq = raw.indexOf('=');
  const key = eq > 0 ? raw.slice(0, eq).trim() : '';
  if (!KEY.test(key)) throw new FlagValueError(`--param takes key=value, e.g. --param seed=42 or --param 'extra={"a":1}'; got "${raw}".`);
  const text = raw.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // not JSON: sent as the text it is
  }
  return [...previous, [key, value]];
}

/** A param may not replace a field that has its own flag: the flag is where it gets checked. */
export function checkParams(params: Param[] | undefined): Param[] {
  for (const [key] of params ?? []) {
    const field = fieldByApi(key);
    const flag = key === 'model' ? '-m/--model' : key === 'prompt' ? 'the prompt' : key === 'image' || key === 'image[]' || key === 'mask' ? 'the command\'s file arguments' : field && longFlag(field);
    if (flag) throw new UsageError(`--param ${key}=... sets a field imgcli checks itself; use ${flag} instead`, 'Keep --param for fields the model table does not know.');
  }
  return params ?? [];
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
