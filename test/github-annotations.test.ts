// In GitHub Actions (GITHUB_ACTIONS=true) every failure is an ::error annotation on stderr, once:
// usage and validation errors (exit 2) as much as the API's, with or without --summary; a "no"
// (config get of an unset key, --check) is no failure. In-process against the offline server.
import { describe, expect, it } from 'vitest';
import { imgcliInProcess } from './helpers/in-process.js';
import { useMockServer } from './helpers/mock.js';

const mock = useMockServer();
const ci = { GITHUB_ACTIONS: 'true' };
const annotations = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('::'));

describe('::error annotations', () => {
  it('a validation error (exit 2): annotated with the message and the next step', async () => {
    const r = await imgcliInProcess(['gen', 'x', '-m', 'dall-e-3', '-q', 'xhigh', '--mock'], { env: ci });
    expect(r.exitCode).toBe(2);
    expect(annotations(r.stderr)).toHaveLength(1);
    expect(annotations(r.stderr)[0]).toMatch(/^::error title=imgcli::--quality xhigh is not valid for dall-e-3/);
    expect(mock.requests).toHaveLength(0);
  });

  it('a usage error commander reports (unknown option): annotated too', async () => {
    const r = await imgcliInProcess(['gen', 'x', '--sise', '5'], { env: ci });
    expect(r.exitCode).toBe(2);
    expect(annotations(r.stderr)).toEqual(["::error title=imgcli::unknown option '--sise'%0A(Did you mean --size?)"]);
  });

  it('an API failure: once, with --summary or without', async () => {
    for (const extra of [[], ['--summary']]) {
      const r = await imgcliInProcess(['--base-url', mock.url, 'gen', 'something forbidden', '-o', 'f.png', ...extra], {
        env: ci,
      });
      expect(r.exitCode, extra.join(' ')).toBe(3);
      expect(annotations(r.stderr), extra.join(' ')).toHaveLength(1);
      expect(annotations(r.stderr)[0]).toMatch(/^::error title=imgcli::The API answered 400 .*safety system.*%0A/);
    }
  });

  it('none for a "no" answer, nor outside GitHub Actions', async () => {
    const unset = await imgcliInProcess(['config', 'get', 'model'], { env: ci });
    expect(unset.exitCode).toBe(1);
    expect(annotations(unset.stderr)).toEqual([]);
    const local = await imgcliInProcess(['gen', 'x', '--sise', '5']);
    expect(local.exitCode).toBe(2);
    expect(annotations(local.stderr)).toEqual([]);
  });
});
