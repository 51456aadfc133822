// A server that serves one model (vLLM-Omni: its provider row says defaultModel 'listed') is sent
// that model when no -m (or IMGCLI_MODEL, or config model) names one: the one its GET /models lists,
// asked once before the request. Sending imgcli's own default there would only earn a 400.
import type { Connection } from '../api/http.js';
import { listModels } from '../api/models.js';
import type { Settings } from '../config/settings.js';
import { UsageError } from '../errors.js';
import type { Messenger } from '../terminal/messenger.js';

/** The settings with the model the server lists, where the provider says so and nothing named one. */
export async function withListedModel(
  settings: Settings,
  connect: () => Promise<Connection>,
  say: Pick<Messenger, 'info'>,
): Promise<Settings> {
  if (settings.provider.defaultModel !== 'listed' || settings.sources.model !== 'default') return settings;
  const { models } = await listModels(await connect());
  if (models.length !== 1) {
    const names = models.slice(0, 5).map((m) => m.id);
    throw new UsageError(
      `${settings.provider.title} lists ${models.length} models, so imgcli cannot pick one for you`,
      models.length ? `Name one with -m, e.g. -m ${names[0]} (listed: ${names.join(', ')}).` : 'Name it with -m.',
    );
  }
  say.info(`model ${models[0]!.id}: the one ${settings.provider.title} lists (name another with -m)`);
  return { ...settings, model: models[0]!.id };
}
