// POST /v1/images/generations on the offline server.
import { judgesModels } from './providers.js';
import { imagesAnswer } from './answers.js';
import type { RouteAnswer, RouteContext, RecordedRequest } from './route.js';
import { errorAnswer } from './route.js';
import { MOCK_GIF, SYNTH_FORMATS, type SynthFormat } from './synth.js';
import { judgeModel, standIn, moderate, validateParams } from './validate.js';

/** The SVG author a request names ({"svg": {"model": ...}}), if any. */
const authorOf = (svg: unknown): string | undefined =>
  svg && typeof svg === 'object' && typeof (svg as { model?: unknown }).model === 'string'
    ? (svg as { model: string }).model
    : undefined;

export async function handleGenerations(req: RecordedRequest, _raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> {
  const body = req.json;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return errorAnswer({
      status: 400,
      message:
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  }
  const fields = body as Record<string, unknown>;
  const judged = judgeModel(fields, 'generations', ctx.extraModels, !judgesModels(ctx.provider), standIn(ctx));
  if ('status' in judged) return errorAnswer(judged);
  if (judged.rules) {
    const problem = validateParams(fields, judged.rules);
    if (problem) return errorAnswer(problem);
  }
  const refused = moderate(fields.prompt, judged.model);
  if (refused) return errorAnswer(refused);
  const format = SYNTH_FORMATS.includes(String(fields.output_format)) ? (fields.output_format as SynthFormat) : 'png';
  const json = await imagesAnswer(
    {
      model: judged.model,
      prompt: String(fields.prompt ?? ''),
      n: Number(fields.n ?? 1),
      size: typeof fields.size === 'string' ? fields.size : undefined,
      quality: typeof fields.quality === 'string' ? fields.quality : undefined,
      format,
      compression: typeof fields.output_compression === 'number' ? fields.output_compression : undefined,
      background: typeof fields.background === 'string' ? fields.background : undefined,
      responseFormat: typeof fields.response_format === 'string' ? fields.response_format : undefined,
      frames:
        format === 'gif'
          ? Number(fields.frame_count ?? judged.rules?.frameCount?.default ?? MOCK_GIF.frames)
          : undefined,
      frameDurationMs:
        format === 'gif' && fields.frame_duration_ms !== undefined ? Number(fields.frame_duration_ms) : undefined,
      svgAuthor: authorOf(fields.svg),
    },
    ctx,
  );
  return { status: 200, json };
}
