// Case 1: start-up. Heavy modules (sharp, undici, ora) load lazily, so printing the version or
// a command's help should cost little more than starting Node itself.
export const title = '1. Start-up';

export function plan(ctx) {
  const bar = (tool) => (r) => ({ text: `≤ 1.5× node (${r.get(tool).ratio.toFixed(2)}×)`, pass: r.get(tool).ratio <= 1.5 });
  return {
    runs: ctx.quick ? 8 : 30,
    commands: [
      { tool: 'node -e 0', cmd: [ctx.node, '-e', '0'], reference: true },
      { tool: 'imgcli --version', cmd: [...ctx.imgcli, '--version'], bar: bar('imgcli --version') },
      { tool: 'imgcli gen --help', cmd: [...ctx.imgcli, 'gen', '--help'], bar: bar('imgcli gen --help') },
    ],
  };
}
