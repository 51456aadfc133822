// The config defaults for image flags (size, quality, format, out-dir), applied in one place for
// gen, edit and vary. A flag always wins. A default the chosen model does not take is left out
// (said under --verbose) instead of failing the run: defaults are preferences, flags are orders.
import type { ImageDefaults } from '../config/settings.js';
import type { Messenger } from '../terminal/io.js';
import { endpointRules, type Endpoint, type ResolvedModel } from '../models/table.js';
import { formatFromOut } from '../output/files.js';
import { customSizeProblem } from '../models/schema.js';

export interface ImageFlagValues {
  size?: string;
  quality?: string;
  format?: string;
  out?: string;
}

function suits(field: 'size' | 'quality' | 'format', value: string, model: ResolvedModel, endpoint: Endpoint): boolean {
  // A compatible server's own model: imgcli knows nothing, so the user's defaults are sent as given.
  if (model.family === 'other') return true;
  const rules = endpointRules(model, endpoint);
  if (!rules) return false;
  if (field === 'quality') return rules.qualities?.includes(value) ?? false;
  if (field === 'format') return rules.formats?.includes(value) ?? false;
  if (rules.sizes.includes(value)) return true;
  return rules.customSize !== undefined && customSizeProblem(value, rules.customSize) === undefined;
}

/** The flag values with unset ones filled from the config (profile first, then top level). */
export function withImageDefaults(flags: ImageFlagValues, defaults: ImageDefaults, model: ResolvedModel, endpoint: Endpoint, say: Pick<Messenger, 'verbose'>): ImageFlagValues {
  const pick = (field: 'size' | 'quality' | 'format', flag: string | undefined): string | undefined => {
    const value = defaults[field];
    if (flag !== undefined || value === undefined) return flag;
    if (suits(field, value, model, endpoint)) {
      say.verbose(`${field} ${value} from the config`);
      return value;
    }
    say.verbose(`config ${field} ${value} does not suit ${model.name} for ${endpoint}; not sent`);
    return undefined;
  };
  // An -o with an image extension names the format itself; the config default gives way.
  const outNamesFormat = flags.out !== undefined && formatFromOut(flags.out) !== undefined;
  const out = flags.out ?? (defaults.outDir ? `${defaults.outDir.replace(/[/\\]+$/, '')}/` : undefined);
  return {
    size: pick('size', flags.size),
    quality: pick('quality', flags.quality),
    format: outNamesFormat ? flags.format : pick('format', flags.format),
    out,
  };
}
