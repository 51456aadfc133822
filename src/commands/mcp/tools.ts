// The tool table of `imgcli mcp`: one row per tool, each the command it runs. A tool's input schema
// is its command's declaration (schema.ts), so its flags, values and refusals are the CLI's own.
// gen, edit and vary run through the pipeline here (image-tool.ts: budget, progress, thumbnails);
// every other tool runs its command's handler with the call's context (call.ts) and answers what
// the command prints with --json. A new tool is one row here.
import type { Command } from 'commander';
import type { ImageCommand } from '../../models/fields.js';
import type { Handler } from '../shared/context.js';
import { command as batchCommand } from '../batch/command.js';
import { handlers as batchHandlers } from '../batch/run.js';
import { command as editCommand } from '../edit/command.js';
import { command as genCommand } from '../gen/command.js';
import { command as infoCommand } from '../info/command.js';
import { handlers as infoHandlers } from '../info/run.js';
import { command as markupCommand } from '../markup/command.js';
import { handlers as markupHandlers } from '../markup/run.js';
import { command as maskCommand } from '../mask/command.js';
import { handlers as maskHandlers } from '../mask/run.js';
import { command as modelsCommand } from '../models/command.js';
import { handlers as modelsHandlers } from '../models/run.js';
import { command as varyCommand } from '../vary/command.js';
import { SHAPE_FLAGS } from './markup-tool.js';
import type { ArgumentRules } from './schema.js';

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolRow {
  name: string;
  title: string;
  description: string;
  /** The command's declaration: its flags and arguments are the tool's. */
  command: () => Command;
  /** A subcommand's path under it (batch status: ['status']). */
  path?: readonly string[];
  /** Flags always given (--json: the tool answers the command's JSON document). */
  fixed?: readonly string[];
  rules: ArgumentRules;
  /** gen, edit, vary: run by the pipeline here. */
  image?: Exclude<ImageCommand, 'chat'>;
  /** Every other tool: its command's run module. */
  handlers?: Readonly<Record<string, Handler>>;
  /**
   * The properties that name files: read ones (under the root or --allow-read), written ones (under
   * the root), and written images (under the root, each an image file or a folder named with a /).
   */
  paths?: { read?: readonly string[]; write?: readonly string[]; images?: readonly string[] };
  /** It sends a request that may be billed: max_cost applies. */
  paid?: boolean;
  annotations: ToolAnnotations;
}

/** The flags of an image command that mean nothing over the protocol. */
const IMAGE_OMIT = ['--json', '--preview', '--summary'];

/** A tool that writes files under the root and asks a server that bills. */
const PAID: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};
/** A tool that writes files under the root and asks nobody. */
const WRITES_LOCAL: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
const READS: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };

const IMAGE_NOTE =
  'The prompt is the text given (here neither - nor @file reads anything). Files are written under the server root; the answer gives their paths, sizes and formats, the revised prompt, usage and cost, and a thumbnail of each (at most 256 px). Call with dry_run: true first to see the request and its estimated cost; nothing is sent then.';

export const TOOLS: readonly ToolRow[] = [
  {
    name: 'generate',
    title: 'Generate images',
    description: `Generate images from a text prompt (imgcli gen; POST /images/generations). ${IMAGE_NOTE}`,
    command: genCommand,
    image: 'gen',
    rules: { image: 'gen', omit: IMAGE_OMIT, required: ['prompt'], joined: ['prompt'], literal: ['prompt'] },
    paid: true,
    annotations: PAID,
  },
  {
    name: 'edit',
    title: 'Edit images',
    description: `Edit images with a prompt, optionally inside a mask (imgcli edit; POST /images/edits). Inputs are files under the root (or --allow-read folders), image URLs or file ids. ${IMAGE_NOTE}`,
    command: editCommand,
    image: 'edit',
    rules: {
      image: 'edit',
      omit: IMAGE_OMIT,
      required: ['prompt'],
      rename: { image: 'images' },
      literal: ['prompt'],
    },
    paid: true,
    annotations: PAID,
  },
  {
    name: 'vary',
    title: 'Make variations of an image',
    description: `Make variations of an image (imgcli vary): GPT image models through edits with a built-in prompt, dall-e-2 through /images/variations. ${IMAGE_NOTE}`,
    command: varyCommand,
    image: 'vary',
    rules: { image: 'vary', omit: IMAGE_OMIT, literal: ['prompt'] },
    paid: true,
    annotations: PAID,
  },
  {
    name: 'mask',
    title: 'Build or check an edit mask',
    description:
      'Build an edit mask (alpha 0 = edit) from a drawing (black = edit), rectangles, ellipses or transparency, or check one offline against the API rules (imgcli mask). Nothing is sent anywhere.',
    command: maskCommand,
    handlers: maskHandlers,
    fixed: ['--json'],
    rules: { omit: ['--json'] },
    paths: { read: ['input', 'like', 'from_alpha', 'check'], images: ['out', 'preview'] },
    annotations: WRITES_LOCAL,
  },
  {
    name: 'markup',
    title: 'Draw or check a markup layer',
    description:
      'Draw the markup layer of a markup edit (gpt-image-2.6): boxes, ellipses, arrows, lines, paths and labels on a transparent PNG the size of the image (like), drawn over it to show the model what to change; then edit with markup set to it. Or check a layer (check). preview writes the image with the layer over it, to look at before paying. Nothing is sent anywhere (imgcli markup --json).',
    command: markupCommand,
    handlers: markupHandlers,
    fixed: ['--json'],
    rules: { omit: ['--json', ...SHAPE_FLAGS] },
    paths: { read: ['like', 'file', 'check'], images: ['out', 'preview'] },
    annotations: WRITES_LOCAL,
  },
  {
    name: 'models',
    title: 'List the image models',
    description:
      'The image models imgcli knows, with status, dates, sizes, qualities and limits; one model whole with `model`; `remote: true` also asks the server (imgcli models --json).',
    command: modelsCommand,
    handlers: modelsHandlers,
    fixed: ['--json'],
    rules: { omit: ['--json', '--markdown', '--wide'] },
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  {
    name: 'info',
    title: 'Read what imgcli recorded in images',
    description:
      'The prompt, model, parameters, request id, time and usage imgcli embedded in images it wrote, with each file format and size (imgcli info --json).',
    command: infoCommand,
    handlers: infoHandlers,
    fixed: ['--json'],
    rules: { omit: ['--json'], rename: { image: 'images' } },
    paths: { read: ['images'] },
    annotations: READS,
  },
  {
    name: 'batch_submit',
    title: "Submit jobs to OpenAI's Batch API",
    description:
      "Send a jobs file (JSONL, one job a line, under the root) through OpenAI's Batch API at half the price (imgcli batch <jobs> --remote --no-wait). Answers the batch ids at once; batch_status tells how far they are, and with collect: true writes the images. Under --mock the offline batches live only as long as the session, so there it waits for them to end (a second or two) and answers their images.",
    command: batchCommand,
    handlers: batchHandlers,
    fixed: ['--remote', '--no-wait'],
    rules: {
      omit: ['--concurrency', '--fail-fast', '--remote', '--no-wait', '--poll-interval', '--gallery', '--max-cost'],
    },
    paths: { read: ['jobs'], write: ['jobs', 'out'] },
    paid: true,
    annotations: PAID,
  },
  {
    name: 'batch_status',
    title: 'Show (or collect) a remote batch',
    description:
      'The batches of a jobs file (or one batch id) as the server sees them now (imgcli batch status --json). With collect: true, attaches to them as `imgcli batch <jobs> --remote` does: waits until they end and writes every image (use wait: false for a job id).',
    command: batchCommand,
    path: ['status'],
    handlers: batchHandlers,
    fixed: ['--json'],
    rules: { omit: ['--json'], rename: { 'id|jobs': 'jobs' } },
    paths: { read: ['jobs'] },
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
];
