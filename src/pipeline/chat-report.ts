// What a conversation turn prints: the written paths (or one --json document, with gen's keys where
// they apply plus the thread, turn and response ids) on stdout; on stderr the turn, the revised
// prompt, what the mainline model said, and the usage and cost of both models, each said which.
import { PartialFailureError } from '../errors.js';
import { OFFLINE_COST, usageText, type CostEstimate } from '../models/prices.js';
import { resultDocument } from '../output/report.js';
import type { Runtime } from '../runtime.js';
import type { Messenger } from '../terminal/messenger.js';
import type { ChatTurnJob } from './chat-build.js';
import { totalUsd, type TurnResult } from './chat-run.js';

const OFFLINE_NOTE = 'offline server (--mock): nothing was billed';

/** The --json document of one turn. */
export function turnDocument(job: ChatTurnJob, result: TurnResult): Record<string, unknown> {
  const { usage: _usage, ...images } = resultDocument({
    model: job.model.name,
    endpoint: 'responses',
    requestBody: 'json',
    created: result.created,
    requestId: result.requestId,
    files: result.files,
    failed: result.failed,
    partials: job.stream ? result.partials : undefined,
    serverNotes: result.serverNotes,
  });
  const cost = result.cost;
  const part = (c: CostEstimate | undefined) => (c ? (cost?.offline ? 0 : c.usd) : null);
  return {
    thread: job.place.thread,
    turn: job.place.turn,
    response_id: result.responseId,
    previous_response_id: job.place.previousResponseId ?? null,
    mainline: job.mainline,
    ...images,
    ...(result.text ? { text: result.text } : {}),
    usage: {
      mainline: result.usage.mainline ? { model: job.mainline, ...result.usage.mainline } : null,
      image: result.usage.image ? { model: job.model.name, ...result.usage.image } : null,
    },
    ...(cost?.offline
      ? { cost_usd: 0, cost_note: OFFLINE_NOTE }
      : {
          cost_usd: totalUsd(cost) ?? null,
          cost_parts: { mainline_usd: part(cost?.mainline), image_usd: part(cost?.image) },
          ...(cost?.mainline || cost?.image
            ? {
                cost_basis: [
                  cost.image && `image: ${cost.image.basis ?? `rates of ${cost.image.rates_checked}`}`,
                  cost.mainline?.basis && `mainline: ${cost.mainline.basis}`,
                ]
                  .filter(Boolean)
                  .join('; '),
              }
            : {}),
        }),
  };
}

/** "usage: mainline gpt-5.4-mini 1234 input + 56 output = 1290 tokens; image gpt-image-2 ...; about $0.0330 (...)". */
export function usageLine(job: ChatTurnJob, result: TurnResult): string | undefined {
  const parts = [
    result.usage.mainline && `mainline ${job.mainline} ${usageText(result.usage.mainline) ?? 'no counts'}`,
    result.usage.image && `image ${job.model.name} ${usageText(result.usage.image) ?? 'no counts'}`,
  ].filter(Boolean);
  const cost = result.cost;
  const dollars = (c: CostEstimate) => `$${c.usd.toFixed(4)}`;
  let money = '';
  if (cost?.offline) money = `; ${OFFLINE_COST}`;
  else if (cost && (cost.mainline || cost.image)) {
    const each = [
      cost.image ? `image ${dollars(cost.image)} at the rates of ${cost.image.rates_checked}` : 'image: no rate',
      cost.mainline
        ? `mainline ${dollars(cost.mainline)} at rates reported second-hand (${cost.mainline.rates_checked})`
        : 'mainline: no rate',
    ];
    money = `; about $${totalUsd(cost)!.toFixed(4)} (${each.join(', ')})`;
  }
  if (!parts.length)
    return cost && !cost.offline && (cost.mainline || cost.image) ? `cost: ${money.slice(2)}` : undefined;
  return `usage: ${parts.join('; ')}${money}`;
}

/** stdout: the path (finals, then partials) or the --json document; stderr: what the turn said and cost. Throws when the image could not be written. */
export function reportTurn(
  rt: Runtime,
  job: ChatTurnJob,
  result: TurnResult,
  opts: { json?: boolean },
  say: Messenger,
): void {
  if (result.files.length === 0 && result.failed.length) {
    if (opts.json) rt.stdout.write(`${JSON.stringify(turnDocument(job, result), null, 2)}\n`);
    throw result.failed[0]!.error;
  }
  if (opts.json) rt.stdout.write(`${JSON.stringify(turnDocument(job, result), null, 2)}\n`);
  else {
    for (const f of result.files) if (f.path !== '-') rt.stdout.write(`${f.path}\n`);
    for (const p of result.partials) rt.stdout.write(`${p.path}\n`);
  }
  say.info(`turn ${job.place.turn} of thread ${job.place.thread}: response ${result.responseId}`);
  if (result.revisedPrompt) say.info(`revised prompt: ${result.revisedPrompt}`);
  if (result.text) say.info(`${job.mainline} says: ${result.text}`);
  const line = usageLine(job, result);
  if (line) say.info(line);
  if (result.failed.length)
    throw new PartialFailureError(
      result.files.length,
      result.failed.map((f) => f.error),
    );
}
