// POST /v1/responses on the offline server: the Responses API with the image_generation tool
// (reference section 11), judged as api.openai.com would (the mainline model, the tool and its
// fields by the same tables as the client, previous_response_id) and answered with a response
// object whose image_generation_call holds a stand-in picture: a new one from the prompt
// (`generate`), or the image in the conversation tinted and labelled (`edit`; `auto` edits when
// there is an image, an input one or the previous turn's). Threads live in the server's memory
// while it runs; a response it does not hold is asked of `recall` (the client's own record of it,
// for --mock, whose server lives one command), else refused as the API refuses a stale id.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { findMainline, type EndpointRules } from '../models/table.js';
import { imagesAnswer, renderImages, usageFor } from './answers.js';
import { answerSize, deriveImages, inputImageTokens } from './derive.js';
import { resolveRef } from './edits-json.js';
import { fontsAvailable, labelLines } from './labels.js';
import { judgesModels } from './providers.js';
import {
  errorAnswer,
  type HeldResponse,
  type RecordedRequest,
  type ResponseMemory,
  type RouteAnswer,
  type RouteContext,
} from './route.js';
import { partialRender, type SseOut } from './stream.js';
import { SYNTH_FORMATS, type SynthFormat } from './synth.js';
import { judgeModel, moderate, validateParams, type ApiErrorBody } from './validate.js';

const bad = (param: string | null, code: string | null, message: string, status = 400): ApiErrorBody => ({
  status,
  message,
  type: 'invalid_request_error',
  param,
  code,
});
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** The prompt and input images of the request's `input`: a string, or messages of input_text and input_image parts. */
function readInput(input: unknown): { text: string; images: Array<Record<string, unknown>> } | ApiErrorBody {
  if (typeof input === 'string') return { text: input, images: [] };
  if (!Array.isArray(input)) return bad('input', 'missing_required_parameter', "Missing required parameter: 'input'.");
  const texts: string[] = [];
  const images: Array<Record<string, unknown>> = [];
  for (const [i, message] of input.entries()) {
    if (!isObject(message))
      return bad(`input[${i}]`, 'invalid_type', `Invalid type for 'input[${i}]': expected an object.`);
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content))
      for (const [j, part] of content.entries()) {
        if (!isObject(part)) continue;
        if (part.type === 'input_text' && typeof part.text === 'string') texts.push(part.text);
        else if (part.type === 'input_image') {
          const { type: _type, detail: _detail, ...ref } = part;
          images.push({ ...ref, param: `input[${i}].content[${j}]` });
        } else return bad(`input[${i}].content[${j}].type`, 'invalid_value', `Invalid value: '${String(part.type)}'.`);
      }
  }
  return { text: texts.join('\n'), images };
}

/** The previous response's image: held here, or recalled from the client's record; undefined when neither has it. */
async function previous(memory: ResponseMemory, responseId: string): Promise<HeldResponse | undefined> {
  const held = memory.held.get(responseId);
  if (held) return held;
  const recalled = await memory.recall?.(responseId).catch(() => undefined);
  return recalled ? { image: recalled.image, revised: recalled.revised ?? '' } : undefined;
}

export async function handleResponses(req: RecordedRequest, _raw: Buffer, ctx: RouteContext): Promise<RouteAnswer> {
  const body = req.json;
  if (!isObject(body)) return errorAnswer(bad(null, null, 'We could not parse the JSON body of your request.'));
  const mainline = body.model;
  if (typeof mainline !== 'string' || !mainline)
    return errorAnswer(bad('model', 'missing_required_parameter', "Missing required parameter: 'model'."));
  if (judgesModels(ctx.provider) && !findMainline(mainline) && !ctx.extraModels.includes(mainline))
    return errorAnswer(
      bad('model', 'model_not_found', `The model \`${mainline}\` does not exist or you do not have access to it.`),
    );
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const toolIndex = tools.findIndex((t) => isObject(t) && t.type === 'image_generation');
  if (toolIndex < 0)
    return errorAnswer(
      bad(
        'tools',
        'invalid_value',
        "The offline server answers with the image_generation tool only: add it to 'tools'.",
      ),
    );
  const { type: _type, input_image_mask: maskRef, ...tool } = tools[toolIndex] as Record<string, unknown>;
  const at = (p: ApiErrorBody) => errorAnswer(p.param ? { ...p, param: `tools[${toolIndex}].${p.param}` } : p);
  if (tool.model === undefined)
    return at(bad('model', 'invalid_value', "The tool's default model, gpt-image-1, has been shut down; name one."));
  const judged = judgeModel(tool, 'responses', ctx.extraModels, !judgesModels(ctx.provider));
  if ('status' in judged) return at(judged);
  const streaming = body.stream === true;
  if (judged.rules) {
    // partial_images 0 is the default of a request that does not stream; a stream must ask for one or more.
    const fields = !streaming && tool.partial_images === 0 ? { ...tool, partial_images: undefined } : tool;
    const rules: EndpointRules = { ...judged.rules, prompt: undefined };
    const problem = validateParams(JSON.parse(JSON.stringify(fields)) as Record<string, unknown>, rules);
    if (problem) return at(problem);
  }
  const input = readInput(body.input);
  if ('status' in input) return errorAnswer(input);
  if (!input.text.trim()) return errorAnswer(bad('input', 'missing_required_parameter', 'The input has no text.'));
  const refused = moderate(input.text, judged.model);
  if (refused) return errorAnswer(refused);
  const memory = ctx.responses;
  const previousId = body.previous_response_id;
  let before: HeldResponse | undefined;
  if (previousId !== undefined && previousId !== null) {
    before = typeof previousId === 'string' ? await previous(memory, previousId) : undefined;
    if (!before)
      return errorAnswer(
        bad(
          'previous_response_id',
          'previous_response_not_found',
          `Previous response with id '${String(previousId)}' not found.`,
        ),
      );
  }
  const inputs: Buffer[] = [];
  for (const ref of input.images) {
    const { param, ...only } = ref;
    const part = await resolveRef(only, String(param), ctx);
    if ('status' in part) return errorAnswer(part);
    inputs.push(part.data);
  }
  let mask: Buffer | undefined;
  if (maskRef !== undefined) {
    const part = await resolveRef(maskRef, `tools[${toolIndex}].input_image_mask`, ctx);
    if ('status' in part) return errorAnswer(part);
    mask = part.data;
  }
  const action = typeof tool.action === 'string' ? tool.action : 'auto';
  const base = inputs[0] ?? before?.image;
  if (action === 'edit' && !base)
    return at(
      bad('action', 'invalid_value', "action 'edit' needs an image: an input image, or a previous response's."),
    );
  const format: SynthFormat = SYNTH_FORMATS.includes(String(tool.output_format))
    ? (tool.output_format as SynthFormat)
    : 'png';
  const edit = action !== 'generate' && base !== undefined;
  const revised = before?.revised ? `${before.revised}; ${input.text}` : input.text;
  const image = edit
    ? await editOf(base, tool, format, input.text, mask, ctx)
    : (
        await renderImages(
          {
            model: judged.model,
            prompt: input.text,
            n: 1,
            size: typeof tool.size === 'string' ? tool.size : undefined,
            format,
            compression: typeof tool.output_compression === 'number' ? tool.output_compression : undefined,
            background: typeof tool.background === 'string' ? tool.background : undefined,
          },
          ctx.payload,
          ctx.labels,
        )
      )[0]!;
  const responseId = id('resp');
  memory.held.set(responseId, { image: image.bytes, revised });
  const answer = await imagesAnswer(
    {
      model: judged.model,
      prompt: input.text,
      n: 1,
      quality: typeof tool.quality === 'string' ? tool.quality : undefined,
      format,
      background: typeof tool.background === 'string' ? tool.background : undefined,
      images: [image],
      inputImageTokens: inputImageTokens(
        await Promise.all([...inputs, ...(edit && !inputs.length ? [base!] : [])].map(dims)),
      ),
    },
    ctx,
  );
  const call = {
    id: id('ig'),
    type: 'image_generation_call',
    status: 'completed',
    action: edit ? 'edit' : 'generate',
    background: answer.background,
    output_format: answer.output_format,
    quality: answer.quality,
    size: answer.size,
    revised_prompt: revised,
    result: image.bytes.toString('base64'),
  };
  const words = `Here is the image${edit ? ', edited' : ''}: ${revised}`;
  const message = {
    id: id('msg'),
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: words, annotations: [] }],
  };
  // The mainline model's tokens: the turn's words, the conversation before it, and the image in context.
  const input_tokens = 120 + Math.ceil(input.text.length / 4) + (before ? 1100 : 0) + inputs.length * 765;
  const output_tokens = 40 + Math.ceil(words.length / 4);
  return {
    status: 200,
    json: {
      id: responseId,
      object: 'response',
      created_at: Math.floor(ctx.nowMs() / 1000),
      status: 'completed',
      model: mainline,
      previous_response_id: typeof previousId === 'string' ? previousId : null,
      output: [call, message],
      tools: [{ type: 'image_generation', ...tool }],
      tool_choice: body.tool_choice ?? 'auto',
      usage: {
        input_tokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: input_tokens + output_tokens,
      },
      tool_usage: { image_gen: answer.usage ?? usageFor(input.text, [image], undefined) },
    },
  };
}

const dims = async (bytes: Buffer) => {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 1024, height: meta.height ?? 1024 };
};

/** The image in context tinted where the mask lets the tool paint, at the size asked (auto: the GPT size nearest its shape). */
async function editOf(
  base: Buffer,
  tool: Record<string, unknown>,
  format: SynthFormat,
  prompt: string,
  mask: Buffer | undefined,
  ctx: RouteContext,
) {
  const size = answerSize(tool.size, await dims(base), true);
  const label =
    ctx.labels !== false && (await fontsAvailable())
      ? labelLines(prompt, typeof tool.size === 'string' ? tool.size : undefined, size.width, size.height)
      : undefined;
  const [image] = await deriveImages(base, {
    n: 1,
    ...size,
    format,
    compression: typeof tool.output_compression === 'number' ? tool.output_compression : undefined,
    background: typeof tool.background === 'string' ? tool.background : undefined,
    seed: `${prompt}\u0000${base.length}`,
    mask,
    label,
    flat: ctx.payload === 'flat',
  });
  return image!;
}

/**
 * A successful response as the API streams it: created, the call in progress, its partial images
 * (blocky renders of the final, as for the Images API), the finished call, the model's message,
 * then response.completed with the whole response. `sequence_number` counts every event.
 */
export async function* responseEvents(answer: Record<string, unknown>, partials: number): AsyncGenerator<SseOut> {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>): SseOut => ({
    event: type,
    data: { type, sequence_number: sequence++, ...data },
  });
  const output = answer.output as Array<Record<string, unknown>>;
  const call = output.find((o) => o.type === 'image_generation_call')!;
  const pending = { ...answer, status: 'in_progress', output: [], usage: null, tool_usage: null };
  yield event('response.created', { response: pending });
  yield event('response.in_progress', { response: pending });
  const item = { output_index: 0, item_id: call.id };
  yield event('response.output_item.added', {
    output_index: 0,
    item: { id: call.id, type: call.type, status: 'in_progress' },
  });
  yield event('response.image_generation_call.in_progress', item);
  yield event('response.image_generation_call.generating', item);
  const format = String(call.output_format ?? 'png');
  const final = Buffer.from(String(call.result), 'base64');
  for (let i = 0; i < partials && ['png', 'jpeg', 'webp'].includes(format); i++) {
    const bytes = await partialRender(final, i, partials, format);
    yield event('response.image_generation_call.partial_image', {
      ...item,
      partial_image_index: i,
      partial_image_b64: bytes.toString('base64'),
      size: call.size,
      quality: call.quality,
      background: call.background,
      output_format: call.output_format,
    });
  }
  yield event('response.image_generation_call.completed', item);
  yield event('response.output_item.done', { output_index: 0, item: call });
  const message = output.find((o) => o.type === 'message');
  if (message) yield event('response.output_item.done', { output_index: 1, item: message });
  yield event('response.completed', { response: answer });
}
