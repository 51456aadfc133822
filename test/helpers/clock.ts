// The suite's calendar. Every spawned CLI runs with IMGCLI_NOW pinned to PINNED_NOW (see cli.ts),
// and in-process tests pass dates explicitly: nothing depends on the day the suite runs.
import { MODELS, type ModelInfo } from '../../src/models/table.js';

/** The day the model table was last checked: what the CLI sees in every spawned test. */
export const PINNED_NOW = '2026-12-01T12:00:00Z';
export const PINNED = new Date(PINNED_NOW);

/** An env that pins the spawned CLI's clock to another instant. */
export const at = (instant: string) => ({ IMGCLI_NOW: instant });

const DAY_MS = 86_400_000;

/** The instant `days` days before a model's shutdown, at noon UTC (for "retiring" tests). */
export function daysBefore(info: ModelInfo, days: number): Date {
  return new Date(Date.parse(`${info.shutdown}T12:00:00Z`) - days * DAY_MS);
}

/** A table row with a shutdown date, picked by the predicate. */
export function modelWhere(test: (m: ModelInfo) => boolean): ModelInfo {
  const found = MODELS.find(test);
  if (!found) throw new Error('no model in the table matches');
  return found;
}
