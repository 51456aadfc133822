// src/mock/: the offline OpenAI-compatible server (--mock, imgcli mock-server, the tests).
//
// Builds successful Images API answers from synthesized pictures: b64_json for GPT models, URLs
// the server itself serves (and expires) for dall-e, usage and revised prompts where the API has them.
import { imageOutputTokens } from '../models/prices.js';
import { randomBytes } from 'node:crypto';
import type { ResolvedModel } from '../models/table.js';
import { fontsAvailable, labelLines } from './labels.js';
import {
  MOCK_GIF,
  autoFrameSide,
  parseSize,
  synthesizeImage,
  type SynthFormat,
  type SynthImage,
  type SynthOptions,
  type SynthPayload,
} from './synth.js';

export interface StoredFile {
  bytes: Buffer;
  contentType: string;
  expiresAt: number;
}

export interface AnswerContext {
  origin: string;
  nowMs: () => number;
  files: Map<string, StoredFile>;
  urlTtlMs: number;
  payload?: SynthPayload;
  /** False: plain pictures; otherwise the prompt and size are written on them where fonts allow. */
  labels?: boolean;
}

export interface ImagesAnswerInput {
  model: ResolvedModel;
  prompt: string;
  n: number;
  size?: string;
  quality?: string;
  format?: SynthFormat;
  compression?: number;
  background?: string;
  responseFormat?: string;
  /** Seeds the picture besides the prompt (edits pass their input bytes' hash). */
  variant?: string;
  /** Pictures already made (edits and variations derive them from the upload). */
  images?: SynthImage[];
  /** Tokens the uploaded images count for in `usage`. */
  inputImageTokens?: number;
  /** gif: frames per animation, and how long each shows. */
  frames?: number;
  frameDurationMs?: number;
  /** svg: the author model the request named (svg.model); its tokens are given in usage. */
  svgAuthor?: string;
}

const isGpt = (model: ResolvedModel) => !model.family.startsWith('dall-e');

/** Image output tokens, as the price table counts them: by quality, scaled by area. */
const outputTokens = (width: number, height: number, quality: string | undefined) =>
  Math.round(imageOutputTokens(width, height, quality));

/**
 * The usage of an answer; `authorTokens`: the output text tokens an SVG's author wrote (given
 * when the request named its author, svg.model).
 */
export function usageFor(
  prompt: string,
  images: SynthImage[],
  quality: string | undefined,
  inputImageTokens = 0,
  authorTokens = 0,
) {
  const text = Math.ceil(prompt.length / 4);
  const output = images.reduce((sum, img) => sum + outputTokens(img.width, img.height, quality), 0);
  const input = text + inputImageTokens;
  return {
    total_tokens: input + output + authorTokens,
    input_tokens: input,
    output_tokens: output + authorTokens,
    input_tokens_details: { text_tokens: text, image_tokens: inputImageTokens },
    output_tokens_details: { image_tokens: output, text_tokens: authorTokens },
  };
}

// Same options, same bytes: the server keeps the last few, so a benchmark's repeated requests
// time the client rather than the encoder (a noisy 1536x1024 PNG takes over 100 ms).
const recent = new Map<string, Promise<SynthImage>>();
const RECENT_MAX = 24;

function synthesizeCached(opts: SynthOptions): Promise<SynthImage> {
  const key = JSON.stringify(opts);
  let image = recent.get(key);
  if (!image) {
    image = synthesizeImage(opts);
    image.catch(() => recent.delete(key));
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
    recent.set(key, image);
  }
  return image;
}

/** The size of the images to make: the one asked for, else 1024x1024 (an animation's frames: smaller). */
export function sizeFor(
  size: string | undefined,
  format: SynthFormat | undefined,
  frames: number = MOCK_GIF.frames,
): { width: number; height: number } {
  if (format === 'gif' && !/^\d+x\d+$/.test(size ?? ''))
    return { width: autoFrameSide(frames), height: autoFrameSide(frames) };
  return parseSize(size);
}

export async function renderImages(
  input: ImagesAnswerInput,
  payload?: SynthPayload,
  labels?: boolean,
): Promise<SynthImage[]> {
  const { width, height } = sizeFor(input.size, input.format, input.frames);
  const label =
    labels !== false && (await fontsAvailable()) ? labelLines(input.prompt, input.size, width, height) : undefined;
  return Promise.all(
    Array.from({ length: input.n }, (_, index) =>
      synthesizeCached({
        prompt: input.prompt,
        index,
        width,
        height,
        format: input.format ?? 'png',
        compression: input.compression,
        transparent: input.background === 'transparent',
        variant: input.variant,
        payload,
        ...(input.frames === undefined ? {} : { frames: input.frames }),
        ...(input.frameDurationMs === undefined ? {} : { frameDurationMs: input.frameDurationMs }),
        label,
      }),
    ),
  );
}

export async function imagesAnswer(input: ImagesAnswerInput, ctx: AnswerContext): Promise<Record<string, unknown>> {
  const images = input.images ?? (await renderImages(input, ctx.payload, ctx.labels));
  const gpt = isGpt(input.model);
  const useUrl = !gpt && (input.responseFormat ?? 'url') === 'url';
  const data = images.map((img) => {
    const item: Record<string, unknown> = {};
    if (useUrl) {
      const id = randomBytes(8).toString('hex');
      ctx.files.set(id, { bytes: img.bytes, contentType: img.contentType, expiresAt: ctx.nowMs() + ctx.urlTtlMs });
      item.url = `${ctx.origin}/files/${id}.${img.format === 'jpeg' ? 'jpg' : img.format}`;
    } else {
      item.b64_json = img.bytes.toString('base64');
    }
    if (input.model.family === 'dall-e-3') item.revised_prompt = `A detailed illustration of ${input.prompt.trim()}`;
    return item;
  });
  const answer: Record<string, unknown> = { created: Math.floor(ctx.nowMs() / 1000), data };
  if (gpt) {
    const first = images[0]!;
    answer.background = input.background === 'transparent' ? 'transparent' : 'opaque';
    answer.output_format = first.format;
    answer.size = `${first.width}x${first.height}`;
    answer.quality = input.quality && input.quality !== 'auto' ? input.quality : 'medium';
    const authorTokens =
      input.svgAuthor && first.format === 'svg' ? images.reduce((n, img) => n + Math.ceil(img.bytes.length / 4), 0) : 0;
    answer.usage = usageFor(input.prompt, images, input.quality, input.inputImageTokens, authorTokens);
  }
  return answer;
}
