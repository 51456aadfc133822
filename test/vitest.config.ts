import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The files that take longest, started first so that they do not end the run alone. */
const LONGEST = ['test/examples.test.ts', 'test/package.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const i = LONGEST.findIndex((name) => file.moduleId.endsWith(name));
      return i < 0 ? LONGEST.length : i;
    };
    return sorted
      .map((file, i) => ({ file, i }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    root,
    include: ['test/**/*.test.ts'],
    // Several files run at once on few cores, so a test that computes (b64-extract's thousands of
    // splits) gets a fraction of a core: 30 s ran out on Node 24 with the machine busy.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Many tests wait on the processes they start (the CLI, npm, a browser): with vitest's default,
    // one worker less than the cores, a 2-core machine ran the suite at about 115% CPU.
    maxWorkers: Math.max(2, availableParallelism() * 2),
    // A worker runs one file after another in the same process instead of starting a process per
    // file (about 0.5 s of CPU each, a sixth of the suite's). Safe here: no test stubs globals or
    // mocks modules, in-process runs put back the working folder and TZ, and what src/ keeps in a
    // module (proven folders, connection pools) is keyed by paths and servers no two files share.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    env: {
      // Node 22+'s compile cache for every process the tests start, in one place (helpers/cli.ts).
      NODE_COMPILE_CACHE: `${root}node_modules/.cache/imgcli-test-compile-cache`,
      // The offline server running inside the test process keeps its Fontconfig file under the
      // user's cache folder (src/image/fonts.ts): a temp one here, never the real ~/.cache.
      XDG_CACHE_HOME: join(tmpdir(), 'imgcli-test-cache'),
    },
  },
});
