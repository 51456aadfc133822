// Where an Images request goes: the OpenAI shape (<base-url>/images/<endpoint>, which also
// serves Azure's v1 API and compatible servers), or Azure's dated API
// (<base-url>/deployments/<name>/images/<endpoint>?api-version=<v>).
import { ENDPOINT_PATHS, RESPONSES_PATH, type ImagesEndpoint } from '../api/endpoints.js';
import type { Settings } from '../config/settings.js';
import { UsageError } from '../errors.js';

/** Azure's API: the provider (chosen, or named by the host: models/providers.ts), or its dated paths. */
export function isAzure(settings: Pick<Settings, 'provider' | 'azureDeployment' | 'mock'>): boolean {
  if (settings.mock) return false;
  return Boolean(settings.azureDeployment) || settings.provider.id === 'azure';
}

/** The request path for an endpoint; throws for what the server cannot do. */
export function imagesPath(
  settings: Pick<Settings, 'provider' | 'azureDeployment' | 'mock'>,
  endpoint: ImagesEndpoint,
): string {
  if (endpoint === 'variations' && isAzure(settings)) {
    throw new UsageError(
      'Azure OpenAI has no image variations endpoint; nothing was sent',
      'Use `imgcli edit` with a prompt on Azure, or run vary against api.openai.com or a compatible server (--base-url, or another --profile).',
    );
  }
  if (settings.azureDeployment && !settings.mock) {
    return `/deployments/${encodeURIComponent(settings.azureDeployment)}${ENDPOINT_PATHS[endpoint]}`;
  }
  return ENDPOINT_PATHS[endpoint];
}

/** Query parameters for every request: Azure's api-version when set. */
export function queryFor(settings: Pick<Settings, 'azureApiVersion' | 'mock'>): Record<string, string> | undefined {
  return settings.azureApiVersion && !settings.mock ? { 'api-version': settings.azureApiVersion } : undefined;
}

/**
 * Where a conversation turn goes (imgcli chat): <base-url>/responses, which OpenAI, Azure's v1 API
 * and compatible servers with a Responses API share. Azure's dated API has no such path under a
 * deployment: refused before anything is sent.
 */
export function responsesPath(settings: Pick<Settings, 'azureDeployment' | 'mock'>): string {
  if (settings.azureDeployment && !settings.mock)
    throw new UsageError(
      "imgcli chat speaks Azure's v1 API, not the dated one (--azure-deployment); nothing was sent",
      'Set --base-url https://<resource>.openai.azure.com/openai/v1 without --azure-deployment, and name the deployments with --mainline and -m.',
    );
  return RESPONSES_PATH;
}
