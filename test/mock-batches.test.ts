// The offline server's Batch API, spoken to directly (as any OpenAI client would): the create's
// checks, the status machine on a clock the test moves, results that are real Images API answers
// coming in any order, and the faults on demand (failed lines, expiry, a failed validation, cancel).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../src/mock/server.js';
import { FAKE_KEY } from './helpers/cli.js';

let mock: MockServer;
const clock = { ms: 0 };

beforeAll(async () => {
  mock = await startMockServer({
    payload: 'flat',
    labels: false,
    batchClock: () => clock.ms,
    batchTiming: { validatingMs: 100, perRequestMs: 10, finalizingMs: 50 },
  });
});
afterAll(() => mock.close());

const auth = { authorization: `Bearer ${FAKE_KEY}` };

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${mock.url}${path}`, {
    method,
    headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
}

async function upload(text: string, purpose = 'batch'): Promise<string> {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new Blob([text], { type: 'application/jsonl' }), 'requests.jsonl');
  const res = await fetch(`${mock.url}/files`, { method: 'POST', headers: auth, body: form });
  return ((await res.json()) as { id: string }).id;
}

const gen = (id: string, prompt: string, url = '/v1/images/generations') =>
  JSON.stringify({ custom_id: id, method: 'POST', url, body: { model: 'gpt-image-2', prompt, size: '1024x1024' } });

async function lines(fileId: string): Promise<any[]> {
  const res = await fetch(`${mock.url}/files/${fileId}/content`, { headers: auth });
  return (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('the offline Batch API', () => {
  it('refuses a create it cannot run: no input file, a file of another purpose, an endpoint without batches', async () => {
    expect(
      (
        await api('POST', '/batches', {
          input_file_id: 'file-nope',
          endpoint: '/v1/images/generations',
          completion_window: '24h',
        })
      ).status,
    ).toBe(404);
    const other = await upload(gen('a', 'x'), 'user_data');
    expect(
      (
        await api('POST', '/batches', {
          input_file_id: other,
          endpoint: '/v1/images/generations',
          completion_window: '24h',
        })
      ).json.error.message,
    ).toMatch(/purpose 'batch'/);
    const file = await upload(gen('a', 'x'));
    const variations = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/variations',
      completion_window: '24h',
    });
    expect(variations.status).toBe(400);
    expect(variations.json.error.param).toBe('endpoint');
    expect(
      (
        await api('POST', '/batches', {
          input_file_id: file,
          endpoint: '/v1/images/generations',
          completion_window: '1h',
        })
      ).json.error.param,
    ).toBe('completion_window');
  });

  it('moves validating -> in_progress -> finalizing -> completed on its clock; results come shuffled, each a real answer', async () => {
    const file = await upload(Array.from({ length: 8 }, (_, i) => gen(`job-${i}`, `picture ${i}`)).join('\n'));
    clock.ms = 1000;
    const created = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/generations',
      completion_window: '24h',
      metadata: { imgcli_token: 't1' },
    });
    expect(created.json).toMatchObject({
      object: 'batch',
      status: 'validating',
      input_file_id: file,
      completion_window: '24h',
      output_file_id: null,
      metadata: { imgcli_token: 't1' },
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
    const id = created.json.id as string;
    const at = async (ms: number) => {
      clock.ms = 1000 + ms;
      return (await api('GET', `/batches/${id}`)).json;
    };
    expect((await at(50)).status).toBe('validating');
    expect(await at(130)).toMatchObject({
      status: 'in_progress',
      request_counts: { total: 8, completed: 3, failed: 0 },
    });
    expect((await at(185)).status).toBe('finalizing');
    const done = await at(240);
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 8, completed: 8, failed: 0 },
      error_file_id: null,
      model: 'gpt-image-2',
    });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    const out = await lines(done.output_file_id);
    expect(out.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `job-${i}`));
    expect(out.map((l) => l.custom_id)).not.toEqual(Array.from({ length: 8 }, (_, i) => `job-${i}`));
    for (const l of out) {
      expect(l).toMatchObject({
        id: expect.stringMatching(/^batch_req_/),
        response: { status_code: 200, request_id: expect.stringMatching(/^req_/) },
        error: null,
      });
      expect(l.response.body).toMatchObject({
        created: expect.any(Number),
        size: '1024x1024',
        usage: { output_tokens: expect.any(Number) },
      });
      expect(Buffer.from(l.response.body.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
    }
    const file2 = (await api('GET', `/files/${done.output_file_id}`)).json;
    expect(file2).toMatchObject({ purpose: 'batch_output', object: 'file' });
  });

  it('fails a request file that does not validate, naming the lines (a duplicate custom_id, a wrong url)', async () => {
    const file = await upload([gen('a', 'x'), gen('a', 'y'), gen('b', 'z', '/v1/images/edits')].join('\n'));
    clock.ms = 5000;
    const { json } = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/generations',
      completion_window: '24h',
    });
    clock.ms = 5200;
    const failed = (await api('GET', `/batches/${json.id}`)).json;
    expect(failed.status).toBe('failed');
    expect(failed.errors.data).toEqual([
      expect.objectContaining({ code: 'duplicate_custom_id', line: 2 }),
      expect.objectContaining({ code: 'mismatched_endpoint', line: 3 }),
    ]);
    expect(failed.failed_at).not.toBeNull();
  });

  it('answers failed lines in the error file, with the real error shape', async () => {
    const file = await upload(
      [gen('ok', 'fine'), gen('refused', 'something forbidden'), gen('broken', 'fine too')].join('\n'),
    );
    mock.enqueueBatchFault({ failLines: [3] });
    clock.ms = 10_000;
    const { json } = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/generations',
      completion_window: '24h',
    });
    clock.ms = 20_000;
    const done = (await api('GET', `/batches/${json.id}`)).json;
    expect(done).toMatchObject({ status: 'completed', request_counts: { total: 3, completed: 1, failed: 2 } });
    const errors = Object.fromEntries((await lines(done.error_file_id)).map((l) => [l.custom_id, l.response]));
    expect(errors.refused).toMatchObject({ status_code: 400, body: { error: { code: 'moderation_blocked' } } });
    expect(errors.broken).toMatchObject({ status_code: 500, body: { error: { type: 'server_error' } } });
  });

  it('expires part-way on demand: what ran is in the output, the rest batch_expired', async () => {
    const file = await upload(Array.from({ length: 5 }, (_, i) => gen(`e${i}`, `p${i}`)).join('\n'));
    mock.enqueueBatchFault({ expireAfter: 2 });
    clock.ms = 30_000;
    const { json } = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/generations',
      completion_window: '24h',
    });
    clock.ms = 40_000;
    const done = (await api('GET', `/batches/${json.id}`)).json;
    expect(done).toMatchObject({ status: 'expired', request_counts: { total: 5, completed: 2, failed: 3 } });
    expect(done.expired_at).not.toBeNull();
    expect(await lines(done.output_file_id)).toHaveLength(2);
    const rest = await lines(done.error_file_id);
    expect(rest.map((l) => l.error.code)).toEqual(['batch_expired', 'batch_expired', 'batch_expired']);
    expect(rest[0].response).toBeNull();
  });

  it('cancels: cancelling, then cancelled with the requests not run as batch_cancelled; a second cancel of an ended batch is refused', async () => {
    const file = await upload(Array.from({ length: 6 }, (_, i) => gen(`c${i}`, `p${i}`)).join('\n'));
    clock.ms = 50_000;
    const { json } = await api('POST', '/batches', {
      input_file_id: file,
      endpoint: '/v1/images/generations',
      completion_window: '24h',
    });
    clock.ms = 50_125;
    expect((await api('GET', `/batches/${json.id}`)).json.request_counts.completed).toBe(2);
    const cancelling = await api('POST', `/batches/${json.id}/cancel`);
    expect(cancelling.json).toMatchObject({ status: 'cancelling', cancelling_at: expect.any(Number) });
    clock.ms = 51_000;
    const cancelled = (await api('GET', `/batches/${json.id}`)).json;
    expect(cancelled).toMatchObject({ status: 'cancelled', request_counts: { completed: 2, failed: 4 } });
    expect((await lines(cancelled.error_file_id)).every((l) => l.error.code === 'batch_cancelled')).toBe(true);
    expect((await api('POST', `/batches/${json.id}/cancel`)).status).toBe(409);
  });

  it('lists batches newest first, page by page', async () => {
    const all = (await api('GET', '/batches?limit=100')).json;
    expect(all.object).toBe('list');
    const ids = all.data.map((b: { id: string }) => b.id);
    const first = (await api('GET', '/batches?limit=2')).json;
    expect(first).toMatchObject({ has_more: true, first_id: ids[0], last_id: ids[1] });
    const next = (await api('GET', `/batches?limit=2&after=${first.last_id}`)).json;
    expect(next.data.map((b: { id: string }) => b.id)).toEqual(ids.slice(2, 4));
    expect((await api('GET', '/batches?limit=101')).status).toBe(400);
    expect((await api('GET', '/batches/batch_nope')).status).toBe(404);
  });
});
