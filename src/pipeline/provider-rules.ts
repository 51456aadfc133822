// The provider's rules on a request (models/providers.ts), applied after the model's own: what a
// confirmed rule forbids is refused before anything is sent (exit 2); what only a reported rule
// forbids is sent with a one-line warning naming the rule and its source (--strict refuses it too,
// --no-warnings keeps quiet). Fields the provider renames are renamed; fields it is confirmed to
// ignore are left out of the body.
import { UsageError } from '../errors.js';
import { fieldByApi, longFlag } from '../models/fields.js';
import { aspectRatioOf, fieldRule, sourceText, type ProviderInfo, type Sourced } from '../models/providers.js';
import type { Endpoint } from '../models/table.js';
import type { Messenger } from '../terminal/messenger.js';

export interface ProviderCheck {
  provider: ProviderInfo;
  strict: boolean;
  warnings: boolean;
  say: Pick<Messenger, 'warn' | 'info'>;
}

/** How a field is named in messages: its flag where it has one (--quality), else its API name. */
function flagOf(api: string): string {
  const field = fieldByApi(api);
  return field ? longFlag(field) : api;
}

/**
 * A rule the request breaks: refused when the rule is confirmed (or under --strict), else a
 * warning and the request goes as it is.
 */
export function breach(check: ProviderCheck, rule: Sourced, message: string, hint: string): void {
  const origin = sourceText(rule);
  if (rule.confidence === 'confirmed' || check.strict) {
    const why = rule.confidence === 'confirmed' ? '' : '; refused because of --strict';
    throw new UsageError(`${message} (${origin}${why}); nothing was sent`, hint);
  }
  if (check.warnings)
    check.say.warn(`${message} (${origin}); sent anyway (--strict refuses, --no-warnings quiets this)`);
}

/** The endpoint exists on the provider, or it is refused (confirmed) or warned about (reported). */
export function checkEndpoint(check: ProviderCheck, endpoint: Endpoint): void {
  const lack = check.provider.lacks?.[endpoint];
  if (lack)
    breach(
      check,
      lack,
      `${check.provider.title} has no ${endpoint === 'responses' ? '/responses (the Responses API and its image_generation tool)' : `/images/${endpoint}`}`,
      endpoint === 'responses'
        ? 'imgcli chat needs the Responses API: use api.openai.com or another server that has it (--base-url, --provider or --profile); imgcli edit works on this one.'
        : `Use another server for this (--base-url, --provider or --profile).`,
    );
}

/** How an edit travels on this provider: JSON where it takes only JSON, multipart where only that. */
export function providerBodyForm(
  check: ProviderCheck,
  form: 'json' | 'multipart',
  requested: 'json' | 'multipart' | undefined,
): 'json' | 'multipart' {
  const { provider } = check;
  if (provider.editBody === 'either' || provider.editBody === form) return form;
  const rule = provider.editBodyRule ?? { confidence: 'reported', source: 'reference section 12', checked: '' };
  // A form the user did not ask for is simply switched; one they asked for breaks the rule.
  if (requested === undefined && provider.editBody === 'json') return 'json';
  breach(
    check,
    rule,
    `${provider.title} takes edits as ${provider.editBody === 'json' ? 'JSON' : 'multipart uploads'} only`,
    `Drop --body${requested ? ` ${requested}` : ''}; imgcli then sends the form the server takes.`,
  );
  return form;
}

/** A mask on an edit, where the provider takes none. */
export function checkMask(check: ProviderCheck, hasMask: boolean): void {
  const masks = check.provider.masks;
  if (hasMask && masks && !masks.taken)
    breach(check, masks, masks.why, 'Drop --mask/--mask-from and describe the area in the prompt.');
}

/**
 * The body as this provider takes it: renamed fields under their new names (xAI's size as
 * aspect_ratio and resolution), fields it is confirmed to ignore left out. Pure: the same for the
 * request and for the up-to-date check's fingerprint.
 */
export function providerBody(provider: ProviderInfo, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const rule = fieldRule(provider, key, value);
    if (rule?.does === 'renames' && rule.to === 'aspect_ratio') Object.assign(out, aspectRatioOf(String(value)));
    else if (rule?.does === 'ignores' && rule.confidence === 'confirmed') continue;
    else out[key] = value;
  }
  return out;
}

/**
 * Every field of the body the provider refuses or ignores, told before sending: a refusal by its
 * confidence (see breach), an ignored field with a warning when the user chose it.
 */
export function checkFields(check: ProviderCheck, body: Record<string, unknown>, chosen: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    const rule = fieldRule(check.provider, key, body[key]);
    if (!rule || !chosen.has(key)) continue;
    if (rule.does === 'refuses')
      breach(
        check,
        rule,
        `${flagOf(key)} ${String(body[key])} is not taken by ${check.provider.title}: ${rule.why}`,
        `Drop ${flagOf(key)}${key === 'output_format' ? ' (and name the file .png or .jpg)' : ''}.`,
      );
    else if (rule.does === 'renames') {
      const sent = Object.entries(providerBody(check.provider, { [key]: body[key] }))
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ');
      check.say.info(`${flagOf(key)} ${String(body[key])} is sent as ${sent}: ${rule.why}.`);
    } else if (rule.does === 'ignores' && check.warnings)
      check.say.warn(
        `${flagOf(key)} ${String(body[key])} has no effect on ${check.provider.title}: ${rule.why} (${sourceText(rule)})${rule.confidence === 'confirmed' ? '; not sent' : ''}.`,
      );
  }
}
