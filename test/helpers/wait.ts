// Waiting for something to happen (a file, a request, a line on stderr) instead of sleeping a
// fixed time. The deadline is only a safety net, so a broken run fails instead of hanging.
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(happened: () => boolean, what = 'the event', safetyNetMs = 20_000): Promise<void> {
  for (let waited = 0; !happened(); waited += 10) {
    if (waited >= safetyNetMs) throw new Error(`${what} did not happen`);
    await sleep(10);
  }
}
