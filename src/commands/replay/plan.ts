// `imgcli replay`: the request recorded in an image's provenance, rebuilt as the same typed
// request gen, edit and vary build (a JobRequest for build.ts), never re-serialised into argv.
// Recorded parameters are API field names, mapped back to flags through the field table; flags
// given on the command line win. Input files are found by their recorded paths (relative to the
// image) or given again, and must still hold the recorded bytes unless --force.
import { FileReadError, readRegularFile } from '../../image/input-file.js';
import { own } from '../../own.js';
import { realpath } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { describeFsError } from '../../fs-errors.js';
import { sniffImage } from '../../image/format.js';
import {
  FlagValueError,
  fieldByApi,
  fieldByName,
  flattenFields,
  longFlag,
  readField,
  type ImageCommand,
} from '../../models/fields.js';
import { formatFromOut } from '../../output/naming.js';
import { fileDigest, readProvenance, type Provenance, type ProvenanceInput } from '../../provenance/index.js';
import { buildJob, type JobContext, type JobFlags, type JobRequest } from '../../pipeline/build.js';
import type { InputDigest } from '../../pipeline/freshness.js';
import type { Param } from '../../pipeline/params.js';
import { fingerprintFor, type ImageJob } from '../../pipeline/run.js';

export interface ReplayRequest {
  /** The image whose provenance holds the request. */
  image: string;
  /** Input images given on the command line, instead of the recorded paths. */
  images: string[];
  /** Only the flags given on the command line: each wins over the record. */
  given: JobFlags & { model?: string };
  force: boolean;
}

export interface ReplayPlan {
  source: Provenance;
  command: Exclude<ImageCommand, 'chat'>;
  /** The model to send to: -m, else the recorded one. */
  model: string;
  request: JobRequest;
  /** The request flags the command line changed (-m, -p, --quality, --fit, --param ...). */
  overrides: string[];
  /** The inputs, checked against the record, in the order the job sends them. */
  inputs: InputDigest[];
  /** Inputs sent although their bytes differ from the record (--force). */
  forced: string[];
  /** The record names no input files (an older imgcli): only the whole fingerprint can vouch for them. */
  unchecked: boolean;
}

/** Flags that change what is asked for, besides the fields; the other job flags (-o, --json ...) only change where it goes. */
const REQUEST_FLAGS: Record<string, string> = {
  model: '-m',
  prompt: '-p',
  fit: '--fit',
  param: '--param',
  mask: '--mask',
  maskFrom: '--mask-from',
  markup: '--markup',
};

/** The command a record came from; files from before `command` was recorded go by their endpoint. */
export function commandOf(p: Provenance): Exclude<ImageCommand, 'chat'> {
  if (p.command === 'gen' || p.command === 'edit' || p.command === 'vary') return p.command;
  return p.endpoint === 'generations' ? 'gen' : p.endpoint === 'variations' ? 'vary' : 'edit';
}

/** The recorded parameters as typed flags, through the field table; fields it does not know were --param. */
export function recordedFlags(p: Provenance, image: string): JobFlags {
  const flags: JobFlags = {};
  const params: Param[] = [];
  // svg: {model, reasoning: {effort}} is recorded as sent; its paths are the fields' (svg.model).
  for (const [key, value] of Object.entries(flattenFields(p.parameters))) {
    if (value === undefined || value === null || key === 'prompt' || key === 'model') continue;
    if (key === 'fit') {
      if (value === 'contain' || value === 'cover') flags.fit = value;
      continue;
    }
    const field = fieldByApi(key);
    if (!field) {
      params.push([key, value]);
      continue;
    }
    try {
      (flags as Record<string, unknown>)[field.name] = readField(field, value);
    } catch (err) {
      if (!(err instanceof FlagValueError)) throw err;
      throw new UsageError(
        `${image}'s record cannot be replayed: ${err.message}`,
        `Give the value on the command line, e.g. imgcli replay ${image} ${field.flags.split(/[ ,]+/).at(-2)} <value>.`,
      );
    }
  }
  if (params.length) flags.param = params;
  return flags;
}

export async function readRecord(image: string): Promise<Provenance> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(image, 'image');
  } catch (err) {
    const reason = err instanceof FileReadError ? err.reason : describeFsError(err);
    throw new UsageError(`cannot read ${image}: ${reason}`, 'Give the path of an image imgcli wrote.');
  }
  if (!sniffImage(bytes))
    throw new UsageError(`${image} is not an image`, 'Give the path of a PNG, JPEG or WebP file imgcli wrote.');
  const p = readProvenance(bytes);
  if (!p) {
    throw new UsageError(
      `${image} has no imgcli provenance, so there is no request to replay`,
      `imgcli info ${image} shows what it holds; files written with --no-metadata, or by other tools, cannot be replayed.`,
    );
  }
  return p;
}

interface Slot {
  role: string;
  path?: string;
  recorded?: ProvenanceInput;
  /** How the user can name it in messages. */
  label: string;
  /** Found by the path the record gives, not named on the command line. */
  fromRecord?: boolean;
}

/** The input files to send: given ones stand in for the recorded ones, slot by slot. */
function inputSlots(req: ReplayRequest, p: Provenance): Slot[] {
  const base = dirname(req.image);
  const recorded = p.inputs ?? [];
  // Absolute when the input sat on another drive than the image (Windows).
  const where = (r: ProvenanceInput) =>
    r.path === undefined ? undefined : isAbsolute(r.path) ? r.path : join(base, r.path);
  const label = (path: string | undefined, r?: ProvenanceInput) =>
    (path ?? `the ${r?.role ?? 'input'} file`) +
    (r?.path !== undefined && path !== where(r) ? ` (recorded as ${r.path})` : '');
  const images = recorded.filter((r) => r.role === 'image');
  const slots: Slot[] = req.images.length
    ? req.images.map((path, i) => ({ role: 'image', path, recorded: images[i], label: label(path, images[i]) }))
    : images.map((r) => ({ role: 'image', path: where(r), recorded: r, label: label(where(r), r), fromRecord: true }));
  const givenMask =
    req.given.mask !== undefined
      ? { role: 'mask', path: req.given.mask }
      : req.given.maskFrom !== undefined
        ? { role: 'mask-from', path: req.given.maskFrom }
        : undefined;
  const recordedMask = recorded.find((r) => r.role === 'mask' || r.role === 'mask-from');
  if (givenMask) {
    const same = recordedMask?.role === givenMask.role ? recordedMask : undefined;
    slots.push({ ...givenMask, recorded: same, label: givenMask.path });
  } else if (recordedMask)
    slots.push({
      role: recordedMask.role,
      path: where(recordedMask),
      recorded: recordedMask,
      label: label(where(recordedMask), recordedMask),
      fromRecord: true,
    });
  const recordedMarkup = recorded.find((r) => r.role === 'markup');
  if (req.given.markup !== undefined)
    slots.push({ role: 'markup', path: req.given.markup, recorded: recordedMarkup, label: req.given.markup });
  else if (recordedMarkup)
    slots.push({
      role: 'markup',
      path: where(recordedMarkup),
      recorded: recordedMarkup,
      label: label(where(recordedMarkup), recordedMarkup),
    });
  return slots;
}

/**
 * Whether a file the record names lies in the image's folder (or below it), links resolved: the
 * record is the image's text, and it must not choose what is uploaded from elsewhere on disk (a
 * crafted image naming ~/.ssh/id_rsa with its sha256, or an archive whose in.png links there).
 */
async function besideImage(image: string, path: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const inside = relative(await real(dirname(image)), await real(path));
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

/** Hashes every input and compares it with the record; refuses what differs unless --force. */
export async function checkInputs(
  req: ReplayRequest,
  p: Provenance,
  command: ImageCommand,
): Promise<{ inputs: InputDigest[]; forced: string[]; unchecked: boolean }> {
  if (command === 'gen') return { inputs: [], forced: [], unchecked: false };
  // A conversation turn's inputs are its own choice: none is as valid as some (the thread holds the image).
  const unchecked = p.inputs === undefined && command !== 'chat';
  const slots = inputSlots(req, p);
  if (command !== 'chat' && slots.filter((s) => s.role === 'image').length === 0) {
    throw new UsageError(
      `${req.image} was made by an imgcli that did not record its input files, so they must be named`,
      `Give them after the image: imgcli replay ${req.image} <image>...`,
    );
  }
  const inputs: InputDigest[] = [];
  const differ: string[] = [];
  for (const slot of slots) {
    if (slot.path === undefined)
      throw new UsageError(
        `${req.image} records no path for its ${slot.role} file`,
        `Give it on the command line: imgcli replay ${req.image} <image>... (--mask or --mask-from for a mask, --markup for a markup layer).`,
      );
    if (slot.fromRecord && !(await besideImage(req.image, slot.path)))
      throw new UsageError(
        `${req.image} records its ${slot.role} file as ${slot.recorded?.path}, outside the image's folder; imgcli uploads only the files you name and those beside the image, so nothing was sent`,
        `Name the file if it is the one to upload: imgcli replay ${req.image} ${slot.role === 'image' ? slot.path : `--${slot.role} ${slot.path}`}`,
      );
    let digest: { sha256: string; size: number };
    try {
      digest = await fileDigest({ role: slot.role, path: slot.path });
    } catch (err) {
      throw new UsageError(
        `cannot read ${slot.label}, an input of ${req.image}: ${describeFsError(err)}`,
        `Give the file again: imgcli replay ${req.image} <image>... (--mask or --mask-from for a mask).`,
      );
    }
    inputs.push({ role: slot.role, path: slot.path, ...digest });
    if (unchecked) continue;
    if (!slot.recorded) differ.push(`${slot.label} is not one of the inputs ${req.image} was made from`);
    else if (slot.recorded.sha256 !== digest.sha256)
      differ.push(
        `${slot.label} has changed since ${req.image} was made (sha256 ${slot.recorded.sha256.slice(0, 12)}... then, ${digest.sha256.slice(0, 12)}... now)`,
      );
  }
  const recordedImages = (p.inputs ?? []).filter((r) => r.role === 'image').length;
  const givenImages = slots.filter((s) => s.role === 'image').length;
  if (!unchecked && givenImages < recordedImages)
    differ.push(`${req.image} was made from ${recordedImages} images; ${givenImages} given`);
  if (differ.length && !req.force) {
    throw new UsageError(
      `${differ.join('; ')}; nothing was sent`,
      'Pass --force to send the inputs as they are now, or give the original files after the image.',
    );
  }
  return { inputs, forced: differ, unchecked };
}

/** Reads the record, checks the inputs and makes the typed request; nothing is sent. */
export async function planReplay(req: ReplayRequest, record?: Provenance): Promise<ReplayPlan> {
  const p = record ?? (await readRecord(req.image));
  const command = commandOf(p);
  const { inputs, forced, unchecked } = await checkInputs(req, p, command);
  const { model, ...given } = req.given;
  const recorded = recordedFlags(p, req.image);
  const flags: JobFlags = { ...recorded, ...given };
  // --param adds to the recorded extra fields; the same key given again replaces its value.
  if (given.param) flags.param = [...new Map([...(recorded.param ?? []), ...given.param])];
  // An -o that names a format decides it, as it would on the command line that made the image.
  if (given.out !== undefined && given.format === undefined && formatFromOut(given.out)) delete flags.format;
  delete flags.mask;
  delete flags.maskFrom;
  delete flags.markup;
  const mask = inputs.find((i) => i.role === 'mask' || i.role === 'mask-from');
  if (mask?.role === 'mask') flags.mask = mask.path;
  if (mask?.role === 'mask-from') flags.maskFrom = mask.path;
  const markup = inputs.find((i) => i.role === 'markup');
  if (markup) flags.markup = markup.path;
  // Next to the original, under a name of its own: generated names never overwrite anything.
  flags.out ??= `${dirname(req.image)}/`;
  const prompt = given.prompt ?? p.prompt;
  if (command !== 'gen') flags.prompt = prompt;
  const request: JobRequest = {
    command,
    words: command === 'gen' && prompt !== undefined ? [prompt] : undefined,
    images: inputs.flatMap((i) => (i.role === 'image' && i.path !== undefined ? [i.path] : [])),
    flags,
    // The recorded prompt is the text itself; one given with -p reads - and @file as usual.
    literal: given.prompt === undefined,
    stem: `${basename(req.image, extname(req.image))} replay`,
  };
  const overrides = Object.keys(req.given).flatMap((k) => {
    const field = fieldByName(k);
    return field ? [longFlag(field)] : own(REQUEST_FLAGS, k) !== undefined ? [own(REQUEST_FLAGS, k)!] : [];
  });
  return { source: p, command, model: model ?? p.model, request, overrides, inputs, forced, unchecked };
}

/**
 * Builds the job, seeded with the digests made while checking (they are the job's inputs, in
 * its order), and checks what the record can vouch for: with nothing overridden, the rebuilt
 * request has the recorded fingerprint. A record without input files relies on that alone.
 */
export async function buildReplayJob(req: ReplayRequest, plan: ReplayPlan, ctx: JobContext): Promise<ImageJob> {
  let job: ImageJob;
  try {
    job = await buildJob(plan.request, ctx);
  } catch (err) {
    if (!(err instanceof UsageError) || plan.overrides.length === 0) throw err;
    throw new UsageError(
      err.message,
      `${err.hint ? `${err.hint} ` : ''}Flags not given on the command line come from ${req.image}'s record (see imgcli info ${req.image}); override them with their own flags.`,
    );
  }
  if (job.record) job.digests = plan.inputs;
  const recorded = plan.source.fingerprint;
  if (plan.unchecked && !req.force) {
    const why = plan.overrides.length
      ? `flags change the request, so its fingerprint cannot vouch for the inputs`
      : recorded && job.record && (await fingerprintFor(job)) === recorded
        ? undefined
        : `the files given are not the ones it was made from (the request fingerprint differs)`;
    if (why)
      throw new UsageError(
        `${req.image} was made by an imgcli that did not record its input files, and ${why}; nothing was sent`,
        'Pass --force to send them anyway.',
      );
  } else if (
    !plan.overrides.length &&
    !plan.forced.length &&
    recorded &&
    job.record &&
    (await fingerprintFor(job)) !== recorded
  ) {
    ctx.say.warn(
      `the rebuilt request differs from the one recorded in ${req.image} (its fingerprint); it was made by another version of imgcli`,
    );
  }
  return job;
}
