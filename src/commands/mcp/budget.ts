// --max-cost over a server session, and max_cost on one call: a paid request starts only if what was
// spent, what the requests under way are expected to cost and its own estimate stay within the
// session's budget, and its estimate within the call's. An answer's cost replaces its estimate once
// it comes. Offline (--mock), answers count at the real rates, so a budget can be rehearsed.
import { UsageError } from '../../errors.js';
import { OFFLINE_COST, PRICED_FAMILIES } from '../../models/prices.js';

export interface BudgetState {
  max_cost_usd: number | null;
  spent_usd: number;
  /** Held for requests under way, by their estimates. */
  reserved_usd: number;
  left_usd: number | null;
  note?: string;
}

const usd = (n: number) => `$${n.toFixed(4)}`;

export class Budget {
  #spent = 0;
  #reserved = 0;

  constructor(
    readonly maxUsd: number | undefined,
    private readonly offline: boolean,
  ) {}

  /**
   * Holds a request's estimate until settle(); throws (nothing sent, exit 2's meaning) when the
   * request would pass the session's budget or the call's max_cost, or cannot be priced under one.
   */
  reserve(estimate: number | undefined, callMax: number | undefined, what: string): { held: number } {
    const limits = [
      this.maxUsd !== undefined && '--max-cost (the server session)',
      callMax !== undefined && 'max_cost (this call)',
    ].filter(Boolean);
    if (limits.length === 0) return { held: estimate ?? 0 };
    if (estimate === undefined)
      throw new UsageError(
        `${limits.join(' and ')} cannot be kept: imgcli knows no price for ${what}; nothing was sent`,
        `Use a model with a known rate (${PRICED_FAMILIES.join(', ')}), or restart the server without --max-cost.`,
      );
    if (callMax !== undefined && estimate > callMax)
      throw new UsageError(
        `not sent: ${what} is estimated at about ${usd(estimate)}, over max_cost ${callMax}`,
        'Raise max_cost, ask for fewer, smaller or lower-quality images, or call with dry_run: true to see the estimate.',
      );
    if (this.maxUsd !== undefined && this.#spent + this.#reserved + estimate > this.maxUsd) {
      const so = this.offline
        ? `about ${usd(this.#spent)} at the real rates so far; ${OFFLINE_COST}`
        : `spent about ${usd(this.#spent)} so far`;
      throw new UsageError(
        `not sent: ${what} (about ${usd(estimate)}) would pass the session's --max-cost ${this.maxUsd} (${so}${this.#reserved ? `, ${usd(this.#reserved)} held for requests under way` : ''})`,
        "The budget is the server's: restart it with a higher --max-cost to spend more; the `status` tool shows what is left.",
      );
    }
    this.#reserved += estimate;
    return { held: estimate };
  }

  /** The request ended: its estimate is released and what it cost (at the real rates offline) counted. */
  settle(hold: { held: number }, costUsd: number | undefined): void {
    this.#reserved = Math.max(0, this.#reserved - hold.held);
    hold.held = 0;
    this.#spent += costUsd ?? 0;
  }

  state(): BudgetState {
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    return {
      max_cost_usd: this.maxUsd ?? null,
      spent_usd: round(this.#spent),
      reserved_usd: round(this.#reserved),
      left_usd: this.maxUsd === undefined ? null : round(Math.max(0, this.maxUsd - this.#spent - this.#reserved)),
      ...(this.offline ? { note: `${OFFLINE_COST}: spending counts at the real rates, as a rehearsal` } : {}),
    };
  }
}
