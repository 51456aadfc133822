// Builds the commander program, registers the commands, and reports every error with its exit
// code (from exit-codes.ts) and a next step.
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { ApiError } from './api/errors.js';
import {
  AUTH_HEADERS,
  ValueError,
  parseHeader,
  parseMaxRetries,
  parseTimeoutSeconds,
  type Header,
} from './config/keys.js';
import {
  BatchFailedError,
  BrokenPipeError,
  CliError,
  HintedError,
  InterruptedError,
  NoAnswer,
  UsageError,
  linesOf,
  requestIdOf,
} from './errors.js';
import { errorAnnotation } from './output/summary.js';
import { Redactor } from './api/redact.js';
import { guardStream, terminalWrite, type BoundaryState } from './terminal/boundary.js';
import { printable } from './terminal/printable.js';
import { EXIT, exitCodeFor, exitCodesHelp, nextStep } from './exit-codes.js';
import { clockFrom } from './runtime.js';
import { closest, didYouMean, orList } from './suggest.js';
import { painter, useColor } from './terminal/messenger.js';
import type { Runtime } from './runtime.js';
import { Context, type RunModule } from './commands/shared/context.js';
import { PROVIDER_IDS } from './models/providers.js';
import { helpText, helpWidth, wrapWords } from './commands/shared/help-text.js';
import { VERSION } from './version.js';

/**
 * The command table: each command in the order help lists them, with its usage and one-line summary
 * for the main help (test/lazy-commands.test.ts holds them to the command's own). A command lives in
 * its folder, commands/<name>/: command.ts declares it (flags, help, examples: `command()`), run.ts
 * runs it (`handlers`, one per runnable path). Both load only when needed (load() below): the
 * declaration when the command runs or its help is asked for, the run module when it runs, so
 * printing the version or the main help, or checking one output, loads no other command. A new
 * command is one folder and one row here.
 */
interface CommandRow {
  name: string;
  usage: string;
  summary: string;
}

/** The one place commands are loaded, by the folder convention above. */
async function load(row: CommandRow, part: 'command'): Promise<{ command(): Command }>;
async function load(row: CommandRow, part: 'run'): Promise<RunModule>;
async function load(row: CommandRow, part: 'command' | 'run'): Promise<unknown> {
  // (The comment keeps the test runner from turning the pattern into a glob of files it cannot see.)
  return import(/* @vite-ignore */ `./commands/${row.name}/${part}.js`);
}

const COMMANDS: readonly CommandRow[] = [
  {
    name: 'gen',
    usage: '[options] [prompt...]',
    summary: 'generate images from a text prompt',
  },
  {
    name: 'edit',
    usage: '[options] <image...>',
    summary: 'edit images with a prompt, optionally inside a mask',
  },
  {
    name: 'vary',
    usage: '[options] <image>',
    summary: 'make variations of an image',
  },
  {
    name: 'chat',
    usage: '[options] [prompt...]',
    summary: 'make and edit an image by conversation, turn after turn (the Responses API)',
  },
  {
    name: 'replay',
    usage: '[options] <image> [inputs...]',
    summary: 'send the request recorded in an image again (flags given here win)',
  },
  {
    name: 'batch',
    usage: '[options] <jobs>',
    summary:
      'generate, edit or vary many images from a JSONL file, here or through the Batch API at half price (--remote)',
  },
  {
    name: 'mask',
    usage: '[options] [input]',
    summary: 'build an edit mask from a drawing, shapes or transparency, or check one',
  },
  {
    name: 'markup',
    usage: '[options]',
    summary: 'draw the markup layer of a markup edit (boxes, arrows, words), or check one',
  },
  {
    name: 'info',
    usage: '[options] <image...>',
    summary: 'show the prompt, model and parameters saved in images imgcli wrote',
  },
  {
    name: 'show',
    usage: '<image...>',
    summary: 'show images in the terminal (kitty, Ghostty, WezTerm, iTerm2), or what they hold',
  },
  {
    name: 'gallery',
    usage: '[options] <paths...>',
    summary: 'write an HTML contact sheet of images, with their prompts and costs',
  },
  {
    name: 'files',
    usage: '',
    summary: 'upload images once and edit them by id (the Files API)',
  },
  {
    name: 'config',
    usage: '',
    summary: 'read and write settings and profiles',
  },
  {
    name: 'models',
    usage: '[options] [model]',
    summary: 'list the image models, their status and limits',
  },
  {
    name: 'mcp',
    usage: '[options]',
    summary: 'serve imgcli to coding agents over the Model Context Protocol (stdio)',
  },
  {
    name: 'skill',
    usage: '[options]',
    summary: 'print the agent skill (SKILL.md) for imgcli, or install it where agents read skills',
  },
  {
    name: 'mock-server',
    usage: '[options]',
    summary: 'run the offline OpenAI-compatible Images server',
  },
  {
    name: 'doctor',
    usage: '[options]',
    summary: 'check the setup: Node, config, key, server, models',
  },
  {
    name: 'completion',
    usage: '[options] [shell]',
    summary: 'print a shell completion script (bash, zsh or fish)',
  },
];

const standardHelp = new Help();

/** How help lists a command: a stand-in (not loaded) by the table's usage, any other as commander does. */
function subcommandTerm(cmd: Command): string {
  const row = COMMANDS.find((c) => c.name === cmd.name());
  const standIn = row && cmd.options.length === 0 && cmd.registeredArguments.length === 0 && cmd.commands.length === 0;
  return standIn ? [row.name, row.usage].filter(Boolean).join(' ') : standardHelp.subcommandTerm(cmd);
}

/** An option or command of the help, with its description beside it; under it where that leaves under 20 columns. */
function formatItem(term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (!description || width - termWidth - 4 >= 20) return standardHelp.formatItem(term, termWidth, description, helper);
  return [...wrapWords(term, width, '  ', '    '), ...wrapWords(description, width, '      ')].join('\n');
}

/** commander's help, with the usage line wrapped too (commander leaves it whole). */
function formatHelp(cmd: Command, helper: Help): string {
  const [usage = '', ...rest] = standardHelp.formatHelp(cmd, helper).split('\n');
  return [...wrapWords(usage, helper.helpWidth ?? 80, '', '       '), ...rest].join('\n');
}

/**
 * The commands an argv needs whole: the one it runs (with `help <name>`, that one), every one for
 * `completion` (its script is generated from them all), none for `--version` or the main help.
 * Without an argv (tests, completion) every command is loaded.
 */
function commandsFor(program: Command, argv: string[] | undefined): Set<string> {
  const all = new Set(COMMANDS.map((c) => c.name));
  if (!argv) return all;
  const operands = operandsOf(program, argv.slice(2));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  if (name === 'completion') return all;
  return new Set(name !== undefined && all.has(name) ? [name] : []);
}

/** The words of a command line that are not global options or their values. */
function operandsOf(program: Command, args: string[]): string[] {
  const withValue = new Set(
    program.options
      .filter((o) => o.required || o.optional)
      .flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
  );
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') operands.push(arg);
    else if (withValue.has(arg)) i++;
    // Past the command's name, its own flags are its business.
    if (operands.length >= 2) break;
  }
  return operands;
}

export async function buildProgram(rt: Runtime, argv?: string[], ctx = new Context(rt)): Promise<Command> {
  const program: Command = new Command('imgcli')
    .description('Generate and edit images with the OpenAI Images API and any server that speaks it.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Our own `help` command (below): commander's prints the whole help for a name it does not know.
    .helpCommand(false)
    .option('--base-url <url>', 'API base URL (env OPENAI_BASE_URL; default https://api.openai.com/v1)')
    .option(
      '--api-key <key>',
      'API key (env OPENAI_API_KEY; prefer the env var or `imgcli config set api-key`: flags land in shell history)',
    )
    .option('--org <id>', 'OpenAI organization id (env OPENAI_ORG_ID)')
    .option('--project <id>', 'OpenAI project id (env OPENAI_PROJECT_ID)')
    .option('--profile <name>', 'use a config profile (env IMGCLI_PROFILE); see `imgcli config --help`')
    .option(
      '--header <header>',
      'add a request header, "Name: value", e.g. a gateway\'s own (repeatable; also `imgcli config set headers`)',
      collect('--header', parseHeader),
    )
    .addOption(
      new Option(
        '--auth-header <how>',
        'send the key as Authorization: Bearer or as an api-key header (Azure)',
      ).choices(AUTH_HEADERS),
    )
    .option(
      '--azure-deployment <name>',
      'Azure dated API: send to <base-url>/deployments/<name>/images/... (needs --azure-api-version)',
    )
    .option('--azure-api-version <v>', 'Azure: the api-version query parameter, e.g. 2025-04-01-preview')
    .option(
      '--timeout <seconds>',
      'give up on a request after this many seconds (default 600)',
      rule('--timeout', parseTimeoutSeconds),
    )
    .option(
      '--max-retries <n>',
      'retries for rate limits, server errors and connections that could not be made (default 2)',
      rule('--max-retries', parseMaxRetries),
    )
    .option('--mock', 'use the built-in offline server: no key, no network (env IMGCLI_MOCK=1)')
    .addOption(
      new Option(
        '--provider <name>',
        "the kind of server, for its own rules (env IMGCLI_PROVIDER; default: from the base URL's host, else compatible)",
      ).choices(PROVIDER_IDS),
    )
    .option('--strict', 'refuse requests that break a rule imgcli only has second-hand (reported) too')
    .option('--no-warnings', 'no warnings about reported rules (they are still checked with --strict)')
    .option('--quiet', 'print only results: no spinner, notices or summaries')
    .option('--verbose', 'log requests, timings and retry decisions to stderr')
    .addOption(new Option('--no-color', 'no colour on stderr (also NO_COLOR)'))
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage and examples)')
    // A command's help lists its own options; the global ones are listed once, by name, at the end
    // (globalOptionsText), and described by `imgcli --help`. Descriptions wrap down to 20 columns.
    .configureHelp({ showGlobalOptions: false, subcommandTerm, minWidthToWrap: 20, formatItem, formatHelp })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => rt.stdout.write(s),
      writeErr: (s) => rt.stderr.write(s),
      // Help fits the terminal it is printed on, and 80 columns in a pipe or a file.
      getOutHelpWidth: () => helpWidth(rt.stdout),
      getErrHelpWidth: () => helpWidth(rt.stderr),
    })
    .addHelpText(
      'after',
      helpText(`
Examples:
  $ imgcli gen "a lighthouse at dusk"               # writes a-lighthouse-at-dusk-<time>.png
  $ imgcli gen "a watercolor fox" --mock            # offline: no key, no network
  $ imgcli gen "app icon" -s 1024x1024 -o icon.png --json | jq .files
  $ imgcli edit photo.png --mask-from scribble.png -p "a red scarf"   # black = edit
  $ pbpaste | imgcli config set api-key -          # store the key (file mode 0600)
  $ imgcli --profile azure gen "a fox"              # settings from a config profile
  $ imgcli gen "a fox" --dry-run                    # print the request and a curl command
  $ imgcli models                                   # the model table, with status and limits
  $ imgcli doctor                                   # why doesn't it work? config, key, server, models

Settings: flag > environment > active profile > config defaults > built-in default.

Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or lowercase) apply to API calls and downloads.

${exitCodesHelp()}`),
    )
    .addHelpText('afterAll', (context): string =>
      context.command === program ? '' : globalOptionsText(program, context),
    );
  const wanted = commandsFor(program, argv);
  const made = await Promise.all(
    COMMANDS.map(async (row) => (wanted.has(row.name) ? declared(row, ctx) : new Command(row.name))),
  );
  for (const [i, cmd] of made.entries()) {
    // A command not loaded stands in by name and summary: enough for the main help and suggestions.
    cmd.summary(COMMANDS[i]!.summary);
    inherit(cmd, program);
    program.addCommand(cmd);
  }
  const help = new Command('help')
    .description('show help for a command')
    .argument('[command...]', 'a command, e.g. gen or config set')
    .addHelpText(
      'after',
      helpText('\nExamples:\n  $ imgcli help gen\n  $ imgcli help config set\n  $ imgcli help help'),
    )
    .action((path: string[]) => helpFor(program, path).outputHelp());
  inherit(help, program);
  program.addCommand(help);
  suggestOptions(program);
  return program;
}

/**
 * A command as its declaration builds it, with an action on each part that runs (a command without
 * subcommands, or one that takes arguments besides them, as `batch <jobs>`): the action loads the
 * run module and calls its handler for that command's path with the run's context.
 */
async function declared(row: CommandRow, ctx: Context): Promise<Command> {
  const cmd = (await load(row, 'command')).command();
  const attach = (node: Command, path: string): void => {
    if (node.commands.length === 0 || node.registeredArguments.length > 0) {
      node.action(async (...params: unknown[]) => {
        const command = params.at(-1) as Command;
        const handler = (await load(row, 'run')).handlers[path];
        if (!handler) throw new Error(`no handler for imgcli ${path}`);
        ctx.enter(command);
        await handler(ctx, { args: params.slice(0, -2), command });
      });
    }
    for (const sub of node.commands) attach(sub, `${path} ${sub.name()}`);
  };
  attach(cmd, row.name);
  return cmd;
}

/** Subcommands (config set, ...) were made before their parent joined the program: pass the settings down. */
function inherit(cmd: Command, parent: Command): void {
  cmd.copyInheritedSettings(parent);
  for (const sub of cmd.commands) inherit(sub, cmd);
}

/**
 * The global options, by name, under a command's own help: `imgcli --help` describes them, and
 * listing them whole on every page buried each command's own options and examples.
 */
function globalOptionsText(program: Command, context: { error: boolean; command: Command }): string {
  const names = program.options.filter((o) => !o.hidden && o.long !== '--version').map((o) => o.long!);
  return helpText(`\nGlobal options (imgcli --help describes them):\n  ${names.join(' ')}`)(context);
}

/** The command `imgcli help <path...>` is about; an unknown name is a usage error with suggestions. */
function helpFor(program: Command, path: string[]): Command {
  let cmd = program;
  for (const name of path) {
    const found = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!found) {
      const where = cmd === program ? 'imgcli' : `imgcli ${cmd.name()}`;
      const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
      throw new UsageError(
        `unknown command '${name}'${didYouMean(name, names)}`,
        `The commands of ${where}: ${names.join(', ')}; see \`${where} --help\`.`,
      );
    }
    cmd = found;
  }
  return cmd;
}

/**
 * Unknown options get a suggestion, short ones too (commander suggests only for long ones):
 * `-v` -> --version (-V) or --verbose, the flags starting with that letter.
 */
function suggestOptions(cmd: Command): void {
  const self = cmd as Command & { unknownOption(flag: string): void };
  self.unknownOption = (flag: string) => {
    const options: Option[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) options.push(...c.createHelp().visibleOptions(c));
    const longs = options.flatMap((o) => (o.long ? [o.long] : []));
    const name = (o: Option) => (o.short ? `${o.long} (${o.short})` : o.long!);
    const near = flag.startsWith('--')
      ? closest(flag, longs)
      : options
          .filter(
            (o) =>
              o.long &&
              (o.long.slice(2, 3) === flag.slice(1, 2).toLowerCase() || o.short?.toLowerCase() === flag.toLowerCase()),
          )
          .map(name);
    cmd.error(`error: unknown option '${flag}'${near.length ? `\n(Did you mean ${orList(near)}?)` : ''}`, {
      code: 'commander.unknownOption',
    });
  };
  for (const sub of cmd.commands) suggestOptions(sub);
}

/** A repeatable flag's argParser: each value read by `parse`, collected in order. */
function collect(flag: string, parse: (value: string) => Header) {
  const one = rule(flag, parse);
  return (value: string, previous: Header[] = []): Header[] => [...previous, one(value)];
}

/** A commander argParser from a config-keys rule, so a flag and `config set` accept the same values. */
export function rule<T>(flag: string, parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof ValueError) throw new InvalidArgumentError(`${flag} ${value} is not valid: ${err.message}.`);
      throw err;
    }
  };
}

async function report(err: unknown, rt: Runtime, color: boolean): Promise<void> {
  // A reader that closed stdout is not told anything: it is gone, and the shell knows (141).
  if (err instanceof BrokenPipeError) return;
  const paint = await painter(color);
  if (rt.signal.aborted || err instanceof InterruptedError) {
    // The command's own word for its stop (mock-server: "stopped"), else the signal's.
    const reason =
      err instanceof InterruptedError
        ? err
        : rt.signal.reason instanceof InterruptedError
          ? rt.signal.reason
          : new InterruptedError();
    terminalWrite(rt.stderr, `${paint.yellow('imgcli:')} ${reason.message}\n`);
    return;
  }
  // Ours, thrown on purpose; anything else is a bug.
  const known = err instanceof CliError || err instanceof ApiError;
  // The message, hint and request id carry outside text (a server's message, code and param, a
  // file name): each is made printable here, the one place every error is told, before it is painted.
  const [headline, ...details] = (err instanceof Error ? linesOf(err) : [String(err)]).map((line) => printable(line));
  // A "no" (--check's verdict, an unset config key) is an answer, not a failure: no "error:" in front of it.
  const lines = [
    err instanceof NoAnswer
      ? err.label
        ? `${paint.yellow(err.label)} ${headline}`
        : headline!
      : `${paint.red('error:')} ${headline}`,
    ...details,
  ];
  const hint = known ? nextStep(err) : undefined;
  if (hint) lines.push(`${paint.dim('hint:')} ${printable(hint)}`);
  const requestId = requestIdOf(err);
  if (requestId) lines.push(`${paint.dim('request id:')} ${printable(requestId)}`);
  // In GitHub Actions every failure is also an annotation, usage and validation errors (exit 2)
  // as much as the API's; a batch has annotated each failed job already, and a "no" is no failure.
  const batch =
    err instanceof BatchFailedError || (err instanceof HintedError && err.cause instanceof BatchFailedError);
  if (rt.env.GITHUB_ACTIONS === 'true' && !(err instanceof NoAnswer) && !batch)
    rt.stderr.write(errorAnnotation([headline, ...details, hint].filter(Boolean).join('\n')));
  if (!known) {
    lines.push(
      `${paint.dim('hint:')} this looks like a bug in imgcli ${VERSION}; please report it with the command you ran.`,
    );
    if (err instanceof Error && err.stack) lines.push(paint.dim(printable(err.stack, { lines: true })));
  }
  terminalWrite(rt.stderr, `${lines.join('\n')}\n`);
}

/** Runs the CLI; returns the exit code instead of exiting, so piped stdout is never cut. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const rt: Runtime = {
    signal: controller.signal,
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => new Date(),
  };
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    // A second Ctrl-C means "now": skip the clean-up.
    if (controller.signal.aborted) process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
    controller.abort(new InterruptedError(signal));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // A reader that closes the pipe early (`imgcli ... | head -1`) is not an error: the boundary
  // (terminal/boundary.ts) stops the run quietly with exit 141.
  rt.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    return await runCli(rt, argv);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/**
 * Parses and runs one command line over a Runtime; prints an error (with its next step) to
 * stderr and returns the exit code. main() wraps it with the process; tests call it in-process.
 */
export async function runCli(outer: Runtime, argv: string[]): Promise<number> {
  const boundary: BoundaryState = { brokenPipe: false };
  const redactor = new Redactor();
  for (const secret of secretsIn(outer.env, argv)) redactor.add(secret);
  // Every byte of text to stdout and stderr passes the redactor, whoever writes it.
  const rt: Runtime = {
    ...outer,
    stdout: guardStream(outer.stdout, redactor, boundary),
    stderr: guardStream(outer.stderr, redactor, boundary),
    secrets: redactor,
  };
  const code = await runGuarded(rt, argv);
  return boundary.brokenPipe && code !== EXIT.interrupted && code !== EXIT.terminated ? EXIT.brokenPipe : code;
}

/** The key from the environment and from --api-key, known before anything is parsed. */
function secretsIn(env: Runtime['env'], argv: string[]): string[] {
  const found = [env.OPENAI_API_KEY];
  argv.forEach((arg, i) => {
    if (arg === '--api-key') found.push(argv[i + 1]);
    else if (arg.startsWith('--api-key=')) found.push(arg.slice('--api-key='.length));
  });
  return found.filter((s): s is string => Boolean(s));
}

async function runGuarded(rt: Runtime, argv: string[]): Promise<number> {
  // The run's clock comes from IMGCLI_NOW when it is set; a malformed value stops the run here.
  try {
    rt.now = clockFrom(rt.env);
  } catch (err) {
    await report(err, rt, useColor(undefined, rt));
    return exitCodeFor(err);
  }
  const ctx = new Context(rt);
  const program = await buildProgram(rt, argv, ctx);
  try {
    await program.parseAsync(argv);
    await ctx.close();
    return EXIT.ok;
  } catch (err) {
    // The connection closes (and the offline server stops) before the error is told.
    await ctx.close().catch(() => undefined);
    // commander printed its own usage errors (and --help, --version, which end with code 0).
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok;
      if (rt.env.GITHUB_ACTIONS === 'true') rt.stderr.write(errorAnnotation(err.message.replace(/^error: /, '')));
      return EXIT.usage;
    }
    const code = exitCodeFor(err, rt.signal);
    await report(err, rt, useColor(program.opts().color, rt));
    return code;
  }
}
