// The config defaults for image flags (the fields with a config key, and out-dir), applied in one
// place for gen, edit, vary and batch. A flag always wins. A default the chosen model does not
// take is left out (said under --verbose) instead of failing the run: defaults are preferences,
// flags are orders.
import type { ImageDefaults } from '../config/settings.js';
import { CONFIG_FIELDS, type FieldValues, type ImageField } from '../models/fields.js';
import { customSizeProblem } from '../models/sizes.js';
import { endpointRules, type Endpoint, type ResolvedModel } from '../models/table.js';
import { formatFromOut } from '../output/naming.js';
import type { Messenger } from '../terminal/messenger.js';

/** Whether the model takes a value for a field on an endpoint, by the table's rules. */
function suits(field: ImageField, value: string, model: ResolvedModel, endpoint: Endpoint): boolean {
  // A compatible server's own model: imgcli knows nothing, so the user's defaults are sent as given.
  if (model.family === 'other') return true;
  const rules = endpointRules(model, endpoint);
  const allowed = rules && field.rule ? rules[field.rule] : undefined;
  // Free text (the SVG author's model): any value, where the model takes the field at all.
  if (field.kind === 'text') return allowed !== undefined;
  if (!rules || !Array.isArray(allowed)) return false;
  if ((allowed as readonly string[]).includes(value)) return true;
  return (
    field.kind === 'size' && rules.customSize !== undefined && customSizeProblem(value, rules.customSize) === undefined
  );
}

/** The flag values with unset ones filled from the config (profile first, then top level). */
export function withImageDefaults<F extends FieldValues & { out?: string }>(
  flags: F,
  defaults: ImageDefaults,
  model: ResolvedModel,
  endpoint: Endpoint,
  say: Pick<Messenger, 'verbose'>,
): F {
  const filled: F = { ...flags };
  // An -o with an image extension names the format itself; the config default gives way.
  const outNamesFormat = flags.out !== undefined && formatFromOut(flags.out) !== undefined;
  // Fields for one kind of output (svg-model: svg) are defaulted only for that output.
  const format = (field: ImageField) => {
    const named = filled.format ?? formatFromOut(flags.out) ?? 'png';
    return field.needs ? endpointRules(model, endpoint)?.formatRules?.[named]?.[field.needs] === true : true;
  };
  for (const field of CONFIG_FIELDS) {
    const key = field.config;
    const value = defaults[key];
    if (value === undefined || flags[field.name] !== undefined || (key === 'format' && outNamesFormat)) continue;
    if (!format(field)) continue;
    if (suits(field, value, model, endpoint)) {
      say.verbose(`${key} ${value} from the config`);
      (filled as Record<string, unknown>)[field.name] = value;
    } else {
      say.verbose(`config ${key} ${value} does not suit ${model.name} for ${endpoint}; not sent`);
    }
  }
  filled.out = flags.out ?? (defaults.outDir ? `${defaults.outDir.replace(/[/\\]+$/, '')}/` : undefined);
  return filled;
}
