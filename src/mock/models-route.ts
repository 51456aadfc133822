// GET /v1/models and GET /v1/models/{id} on the offline server: the model table as api.openai.com
// lists it (`shutdown_date` as a Unix time where known), plus the server's extra models.
import { MODELS } from '../models/table.js';
import { judgesModels } from './providers.js';
import { errorAnswer, type RecordedRequest, type RouteAnswer, type RouteContext } from './route.js';

// A fixed creation time keeps answers stable between runs.
const CREATED = 1_745_000_000;

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  shutdown_date?: number;
}

function modelObjects(ctx: RouteContext): ModelObject[] {
  // A server with its own model names lists those alone; OpenAI (and Azure's deployments of its models) the table.
  const listsTable = judgesModels(ctx.provider) || ctx.provider.id === 'azure';
  const table = (listsTable ? MODELS : []).flatMap((m) =>
    [m.id, ...(m.aliases ?? [])].map(
      (id): ModelObject => ({
        id,
        object: 'model',
        created: CREATED,
        owned_by: 'system',
        ...(m.shutdown ? { shutdown_date: Date.parse(`${m.shutdown}T00:00:00Z`) / 1000 } : {}),
      }),
    ),
  );
  const extra = ctx.extraModels.map(
    (id): ModelObject => ({ id, object: 'model', created: CREATED, owned_by: 'imgcli-mock' }),
  );
  return [...table, ...extra];
}

function notGet(req: RecordedRequest): RouteAnswer | undefined {
  if (req.method === 'GET') return undefined;
  return errorAnswer({
    status: 405,
    message: `Method ${req.method} is not allowed on ${req.path}; use GET.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
}

export async function handleModelList(req: RecordedRequest, _raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> {
  return notGet(req) ?? { status: 200, json: { object: 'list', data: modelObjects(ctx) } };
}

export function modelGetRoute(id: string) {
  return async (req: RecordedRequest, _raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> => {
    const refused = notGet(req);
    if (refused) return refused;
    const found = modelObjects(ctx).find((m) => m.id === id);
    if (found) return { status: 200, json: found };
    return errorAnswer({
      status: 404,
      message: `The model '${id}' does not exist`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  };
}
