// Which real server the offline server (--mock, `imgcli mock-server`) stands in for. The one place
// that decides it: the CLI's checks before sending (a retired model refused, a slip of a model
// name caught) and the offline server's own answers (mock/validate.ts) both read it, so --mock
// refuses what that server refuses, as of the run's date. Today it is api.openai.com; other
// providers' stand-ins (--provider) are added here.
import { OPENAI_HOST } from './advice.js';

/** The host whose models, retirements and refusals the offline server reproduces. */
export const OFFLINE_STANDS_IN_FOR = OPENAI_HOST;

/** The base URL the CLI's own checks treat an offline run as going to. */
export const OFFLINE_AS_BASE_URL = `https://${OFFLINE_STANDS_IN_FOR}/v1`;

/** What messages say of the offline server: "the offline server answers as api.openai.com on 2026-12-01". */
export function offlineStandIn(now: Date): string {
  return `the offline server answers as ${OFFLINE_STANDS_IN_FOR} on ${now.toISOString().slice(0, 10)}`;
}
