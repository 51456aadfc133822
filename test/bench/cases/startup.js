// Case 1: start-up. A command's file loads only when it runs, and heavy modules (sharp, undici,
// zod, ora) only where they are needed, so printing the version or a help should cost little
// more than starting Node itself. On Node 22 and later the compile cache (module.
// enableCompileCache, in bin/imgcli.js) keeps the compiled code between runs.
export const title = '1. Start-up';

export function plan(ctx) {
  const bar = (tool) => (r) => ({
    text: `≤ 1.3× node (${r.get(tool).ratio.toFixed(2)}×)`,
    pass: r.get(tool).ratio <= 1.3,
  });
  return {
    runs: ctx.quick ? 8 : 30,
    commands: [
      { tool: 'node -e 0', cmd: [ctx.node, '-e', '0'], reference: true },
      { tool: 'imgcli --version', cmd: [...ctx.imgcli, '--version'], bar: bar('imgcli --version') },
      { tool: 'imgcli --help', cmd: [...ctx.imgcli, '--help'], bar: bar('imgcli --help') },
      { tool: 'imgcli gen --help', cmd: [...ctx.imgcli, 'gen', '--help'], bar: bar('imgcli gen --help') },
    ],
  };
}
