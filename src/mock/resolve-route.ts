// Paths the offline server answers besides its exact routes: the model list, the Files API, and Azure OpenAI's
// shapes. Azure's v1 API is the OpenAI shape under /openai/v1; its dated API puts the deployment
// in the path (/openai/deployments/<name>/images/<endpoint>) and needs ?api-version=.
import { filesRoute } from './files.js';
import { handleModelList, modelGetRoute } from './models-route.js';
import type { RecordedRequest, Route } from './route.js';

function azureNotFound(): Route {
  // Azure's answer to a dated-API path without an api-version.
  return async () => ({ status: 404, json: { error: { code: '404', message: 'Resource not found' } } });
}

/** The deployment is the model on Azure: a body without one gets the deployment's name. */
function withDeployment(route: Route, deployment: string): Route {
  return async (req, raw, ctx) => {
    const body =
      req.json && typeof req.json === 'object' && !Array.isArray(req.json)
        ? (req.json as Record<string, unknown>)
        : undefined;
    const json = body && body.model === undefined ? { ...body, model: deployment } : req.json;
    return route({ ...req, json } satisfies RecordedRequest, raw, ctx);
  };
}

/** A route for a path the exact table does not list, or undefined. */
export function resolveRoute(
  path: string,
  query: Record<string, string>,
  routes: Readonly<Record<string, Route>>,
): Route | undefined {
  if (path === '/v1/models' || path === '/openai/models' || path === '/openai/v1/models') return handleModelList;
  const model = /^(?:\/openai)?\/v1\/models\/([^/]+)$/.exec(path);
  if (model) return modelGetRoute(decodeURIComponent(model[1]!));
  const files = filesRoute(path.replace(/^\/openai(?=\/v1\/)/, ''));
  if (files) return files;
  if (path.startsWith('/openai/v1/')) return routes[path.slice('/openai'.length)];
  const dated = /^\/openai\/deployments\/([^/]+)(\/images\/[a-z]+)$/.exec(path);
  if (dated) {
    const route = routes[`/v1${dated[2]}`];
    if (!route || !query['api-version']) return azureNotFound();
    return withDeployment(route, decodeURIComponent(dated[1]!));
  }
  return undefined;
}
