// Windows paths and files: backslashes, drive letters, overwrite and --no-clobber on a
// case-insensitive file system, binary stdout, CRLF prompts, --json, exit codes.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { WORK, ensure, imgcli, isPng, linuxPath, listing, sha256, tempFiles, winPath } from './harness.js';

const ok = (r, what) => ensure(r.code === 0, `${what} failed`, r);

async function ensurePng(file, run) {
  ensure(existsSync(file), `${file} was not written`, run);
  const bytes = readFileSync(file);
  ensure(isPng(bytes), `${file} is not a PNG (first bytes ${bytes.subarray(0, 8).toString('hex')})`, run);
  const meta = await sharp(bytes).metadata();
  ensure(meta.width === 1024 && meta.height === 1024, `${file} is ${meta.width}x${meta.height}, not 1024x1024`, run);
}

const provenance = (file) => {
  const r = imgcli(['info', file, '--json']);
  ok(r, `imgcli info ${file}`);
  return JSON.parse(r.stdout)[0].provenance;
};

export function pathChecks({ windows }) {
  return [
    {
      name: 'gen -o out.png writes a real PNG',
      async run() {
        const r = imgcli(['gen', 'a lighthouse at dusk', '-o', 'out.png']);
        ok(r, 'gen');
        ensure(r.stdout.trim() === 'out.png', 'stdout should be the written path, out.png', r);
        await ensurePng(join(WORK, 'out.png'), r);
      },
    },
    {
      name: 'gen -o with drive letters: Z:\\...\\drive.png (Wine maps / to Z:) and C:\\ under %TEMP%',
      async run() {
        const onZ = winPath(join(WORK, 'abs', 'drive.png'));
        const z = imgcli(['gen', 'a drive letter', '-o', onZ]);
        ok(z, `gen -o ${onZ}`);
        ensure(z.stdout.trim() === onZ, `stdout should be ${onZ}`, z);
        await ensurePng(join(WORK, 'abs', 'drive.png'), z);
        const onC = `${windows.env.TEMP}\\imgcli-smoke\\c.png`;
        ensure(/^C:\\/i.test(onC), `%TEMP% is ${windows.env.TEMP}, not on drive C:`);
        rmSync(linuxPath(`${windows.env.TEMP}\\imgcli-smoke`), { recursive: true, force: true });
        const c = imgcli(['gen', 'drive c', '-o', onC]);
        ok(c, `gen -o ${onC}`);
        await ensurePng(linuxPath(onC), c);
      },
    },
    {
      name: 'gen -o out\\img.png (relative, backslash, a folder that does not exist yet)',
      async run() {
        const r = imgcli(['gen', 'a backslash', '-o', 'out\\img.png']);
        ok(r, 'gen');
        ensure(r.stdout.trim() === 'out\\img.png', 'stdout should be out\\img.png', r);
        await ensurePng(join(WORK, 'out', 'img.png'), r);
      },
    },
    {
      name: 'gen -o renders\\ (a folder ending in a backslash) writes a generated name inside it',
      async run() {
        const r = imgcli(['gen', 'a folder', '-o', 'renders\\']);
        ok(r, 'gen');
        const files = listing(join(WORK, 'renders'));
        ensure(files.length === 1 && files[0].endsWith('.png'), `renders/ holds ${JSON.stringify(files)}`, r);
        ensure(r.stdout.trim() === `renders\\${files[0]}`, `stdout should be renders\\${files[0]}`, r);
      },
    },
    {
      name: 'gen -o out.png again overwrites it (temp file, then rename over it)',
      async run() {
        const before = sha256(join(WORK, 'out.png'));
        const r = imgcli(['gen', 'a second lighthouse', '-o', 'out.png']);
        ok(r, 'gen over an existing file');
        ensure(sha256(join(WORK, 'out.png')) !== before, 'out.png still holds the first image', r);
        ensure(provenance('out.png').prompt === 'a second lighthouse', 'out.png does not hold the new prompt');
        ensure(tempFiles(WORK).length === 0, `temp files left: ${tempFiles(WORK)}`);
      },
    },
    {
      name: '--no-clobber refuses an existing file: exit 2, nothing sent, file unchanged',
      run() {
        const before = sha256(join(WORK, 'out.png'));
        const r = imgcli(['gen', 'must not land', '-o', 'out.png', '--no-clobber']);
        ensure(r.code === 2 && r.stdout === '', 'expected exit 2 and nothing on stdout', r);
        ensure(/already exists/.test(r.stderr), 'stderr should say the file already exists', r);
        ensure(sha256(join(WORK, 'out.png')) === before, 'out.png changed', r);
      },
    },
    {
      name: '--no-clobber -o OUT.PNG refuses when out.png exists (case-insensitive names)',
      run() {
        const before = sha256(join(WORK, 'out.png'));
        const r = imgcli(['gen', 'must not land', '-o', 'OUT.PNG', '--no-clobber']);
        ensure(r.code === 2 && r.stdout === '', 'expected exit 2 and nothing on stdout', r);
        ensure(!listing(WORK).includes('OUT.PNG'), 'a second file OUT.PNG was written beside out.png', r);
        ensure(sha256(join(WORK, 'out.png')) === before, 'out.png changed', r);
      },
    },
    {
      name: 'gen -o - writes the image bytes to stdout unchanged (binary, no CRLF translation)',
      async run() {
        const r = imgcli(['gen', 'bytes on stdout', '-o', '-']);
        ok(r, 'gen -o -');
        // The PNG signature holds \r\n and \n: a text-mode stdout would change it.
        ensure(isPng(r.stdoutBytes), `stdout is not a PNG: ${r.stdoutBytes.subarray(0, 8).toString('hex')}`);
        const meta = await sharp(r.stdoutBytes).metadata();
        ensure(meta.width === 1024, 'the PNG on stdout does not decode to 1024 wide');
      },
    },
    {
      name: 'prompts with CRLF line ends, from stdin (gen -) and from @file, lose the \\r\\n',
      run() {
        writeFileSync(join(WORK, 'prompt.txt'), 'a prompt file\r\n');
        ok(imgcli(['gen', '@prompt.txt', '-o', 'crlf-file.png']), 'gen @prompt.txt');
        ok(imgcli(['gen', '-', '-o', 'crlf-stdin.png'], { stdin: 'a prompt on stdin\r\n' }), 'gen - (stdin)');
        const fromFile = provenance('crlf-file.png').prompt;
        const fromStdin = provenance('crlf-stdin.png').prompt;
        ensure(fromFile === 'a prompt file', `@file prompt recorded as ${JSON.stringify(fromFile)}`);
        ensure(fromStdin === 'a prompt on stdin', `stdin prompt recorded as ${JSON.stringify(fromStdin)}`);
      },
    },
    {
      name: '--json prints one JSON document on stdout, with Windows paths',
      run() {
        const r = imgcli(['gen', 'json please', '-o', 'json\\j.png', '--json']);
        ok(r, 'gen --json');
        let doc;
        try {
          doc = JSON.parse(r.stdout);
        } catch (err) {
          ensure(false, `stdout is not one JSON document: ${err.message}`, r);
        }
        ensure(doc.files?.[0]?.path === 'json\\j.png', `files[0].path is ${doc.files?.[0]?.path}`, r);
        ensure(existsSync(join(WORK, 'json', 'j.png')), 'json\\j.png was not written', r);
        ensure(typeof doc.request_id === 'string' && doc.cost_usd === 0, 'request_id or cost_usd missing', r);
      },
    },
    {
      name: 'usage errors exit 2 with nothing on stdout (bad --size, unknown flag)',
      run() {
        for (const argv of [
          ['gen', 'x', '--size', '999x999', '-o', 'bad.png'],
          ['gen', 'x', '--no-such-flag'],
        ]) {
          const r = imgcli(argv);
          ensure(r.code === 2 && r.stdout === '' && /error/i.test(r.stderr), `imgcli ${argv.join(' ')}`, r);
        }
        ensure(!existsSync(join(WORK, 'bad.png')), 'bad.png was written');
      },
    },
    {
      name: 'info reads the provenance back (text and --json)',
      run() {
        const text = imgcli(['info', 'out\\img.png']);
        ok(text, 'info');
        ensure(/prompt:\s+a backslash/.test(text.stdout), 'info does not show the prompt', text);
        const p = provenance('out\\img.png');
        ensure(p.prompt === 'a backslash' && p.model && /^sha256:/.test(p.fingerprint), 'incomplete provenance');
      },
    },
  ];
}
