// How an edit (or a variation) travels: multipart with the files uploaded, or JSON with the images
// as references (URLs and file ids as given, local files as data URLs). Any reference among the
// inputs makes it JSON; with local files only, multipart stays the default; --body chooses.
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { DEFAULT_MODEL, type Endpoint, type EndpointRules, type ResolvedModel } from '../models/table.js';
import type { Messenger } from '../terminal/messenger.js';
import type { ImageFit } from '../upload/inputs.js';
import { describeSource, readSource, type ImageSource } from '../upload/json-edit.js';
import type { RequestSpec } from '../api/http.js';
import type { PreparedInputs } from '../upload/form.js';

export type BodyForm = 'json' | 'multipart';

export interface EditInputs {
  sources: ImageSource[];
  mask?: ImageSource;
  markup?: ImageSource;
}

/** What each input argument is (a path, a URL, a file id), checked for what can be known. */
export async function readInputs(
  images: string[],
  mask: string | undefined,
  say: Messenger,
  markup?: string,
): Promise<EditInputs> {
  const sources = images.map((arg) => readSource(arg, 'image'));
  const inputs = {
    sources,
    mask: mask === undefined ? undefined : readSource(mask, '--mask'),
    markup: markup === undefined ? undefined : readSource(markup, '--markup'),
  };
  for (const s of [...sources, ...(inputs.mask ? [inputs.mask] : []), ...(inputs.markup ? [inputs.markup] : [])]) {
    // file-abc names a file id; a local file of that name needs ./ in front.
    if (
      s.kind === 'file' &&
      (await stat(s.id).then(
        () => true,
        () => false,
      ))
    )
      say.warn(
        `${s.id} is read as a Files API id; a local file of that name exists: write ./${s.id} to send the file.`,
      );
  }
  return inputs;
}

const isRef = (s: ImageSource | undefined) => s !== undefined && s.kind !== 'path';

/** The body form of an edit or variation, or the reason it cannot travel as asked. */
export function chooseBody(
  requested: BodyForm | undefined,
  inputs: EditInputs,
  model: ResolvedModel,
  rules: EndpointRules,
  endpoint: Endpoint,
): BodyForm {
  if (requested !== undefined && requested !== 'json' && requested !== 'multipart')
    throw new UsageError(`body is ${JSON.stringify(requested)}; use multipart or json`);
  const refs = [...inputs.sources, inputs.mask, inputs.markup].filter(isRef) as ImageSource[];
  if (refs.length && requested === 'multipart') {
    throw new UsageError(
      `--body multipart uploads files, but ${describeSource(refs[0]!)} is a reference`,
      'Drop --body multipart: references go as JSON; or give local files.',
    );
  }
  const form = refs.length ? 'json' : (requested ?? 'multipart');
  if (form === 'json' && !rules.jsonBody && model.family !== 'other') {
    const what = refs.length ? `${describeSource(refs[0]!)} is not a local file` : '--body json asks for a JSON body';
    throw new UsageError(
      `${model.name} ${endpoint} take uploaded files only (multipart), and ${what}`,
      refs.length
        ? `Download the image and give the file, or use a GPT image model (-m ${DEFAULT_MODEL}), which takes URLs and file ids.`
        : 'Drop --body json.',
    );
  }
  return form;
}

/** What a prepared edit sends, and the inputs its fingerprint and provenance count. */
export interface EditRequest {
  json?: Record<string, unknown>;
  form?: RequestSpec['form'];
  inputs: Array<{ role: string; path?: string; ref?: string }>;
  /** With `deferRefs`: the checked inputs, for a caller that builds the JSON body itself. */
  prepared?: PreparedInputs;
}

/** The inputs an edit's fingerprint and provenance count: each file by path, each reference as sent. */
export function countedInputs(inputs: EditInputs, maskFrom: string | undefined): EditRequest['inputs'] {
  const roles = [
    ...inputs.sources.map((s) => ({ role: 'image', source: s })),
    ...(inputs.mask ? [{ role: 'mask', source: inputs.mask }] : []),
    ...(inputs.markup ? [{ role: 'markup', source: inputs.markup }] : []),
  ].map(({ role, source }) =>
    source.kind === 'path'
      ? { role, path: source.path }
      : { role, ref: source.kind === 'file' ? source.id : source.url },
  );
  return [...roles, ...(maskFrom !== undefined ? [{ role: 'mask-from', path: maskFrom }] : [])];
}

/**
 * Reads and checks the files (upload/), then builds the request: a multipart form builder, or
 * the JSON body with every image as a reference. `fields` are the validated fields plus --param.
 */
export async function editRequest(
  form: BodyForm,
  fields: Record<string, unknown>,
  inputs: EditInputs,
  opts: {
    model: ResolvedModel;
    rules: EndpointRules;
    fit?: ImageFit;
    maskFrom?: string;
    say: Messenger;
    deferRefs?: boolean;
  },
): Promise<EditRequest> {
  // The upload modules load once the inputs are to be sent: an up-to-date --check reads them no further.
  const upload = await import('../upload/form.js');
  const prepared = await upload.prepareInputs({
    ...opts,
    sources: inputs.sources,
    mask: inputs.mask,
    markup: inputs.markup,
  });
  const counted = countedInputs(inputs, opts.maskFrom);
  if (form === 'multipart') return { form: upload.formBuilder(fields, upload.uploadParts(prepared)), inputs: counted };
  // batch --remote uploads each local input once and refers to it by id: no data URLs here.
  if (opts.deferRefs) return { inputs: counted, prepared };
  // Only a JSON edit needs its body builder (and the data URL encoder).
  const { jsonEditBody } = await import('../upload/json-edit.js');
  const refs = await upload.inputRefs(prepared);
  return { json: jsonEditBody(fields, refs.images, refs.mask, refs.markup), inputs: counted };
}
