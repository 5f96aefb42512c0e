// The `parley` program: commander assembles the commands; one place turns errors into exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, type Option } from 'commander';
import { terminalSafe } from '../core/terminal-text.js';
import adminCreate from './commands/admin/create.js';
import { adminDisable, adminEnable } from './commands/admin/disable.js';
import { adminDemote, adminPromote } from './commands/admin/promote.js';
import dialogsList from './commands/dialogs/list.js';
import dialogsClass from './commands/dialogs/class.js';
import dialogsShow from './commands/dialogs/show.js';
import dialogsSearch from './commands/dialogs/search.js';
import applyCommand from './commands/apply.js';
import backupCommand from './commands/backup.js';
import eventsCommand from './commands/events.js';
import exportCommand from './commands/export.js';
import groupAdd from './commands/group/add.js';
import groupCreate from './commands/group/create.js';
import groupDelete from './commands/group/delete.js';
import groupList from './commands/group/list.js';
import groupRemove from './commands/group/remove.js';
import leadClassesAdd from './commands/leads/classes/add.js';
import leadClassesList from './commands/leads/classes/list.js';
import leadClassesOrder from './commands/leads/classes/order.js';
import leadClassesRename from './commands/leads/classes/rename.js';
import leadClassesRm from './commands/leads/classes/rm.js';
import leadsExport from './commands/leads/export.js';
import leadsList from './commands/leads/list.js';
import leadsReport from './commands/leads/report.js';
import loginCommand from './commands/login.js';
import logoutCommand from './commands/logout.js';
import passwordChange from './commands/password/change.js';
import passwordForgot from './commands/password/forgot.js';
import passwordReset from './commands/password/reset.js';
import profileSet from './commands/profile/set.js';
import profileShow from './commands/profile/show.js';
import projectCreate from './commands/project/create.js';
import projectList from './commands/project/list.js';
import projectSet from './commands/project/set.js';
import projectShow from './commands/project/show.js';
import projectUse from './commands/project/use.js';
import restoreCommand from './commands/restore.js';
import scheduleClear from './commands/schedule/clear.js';
import scheduleExcept from './commands/schedule/except.js';
import scheduleSet from './commands/schedule/set.js';
import scheduleShow from './commands/schedule/show.js';
import sendCommand from './commands/send.js';
import serverCommand from './commands/server.js';
import statusShow from './commands/status/show.js';
import statusSwitch from './commands/status/switch.js';
import telegramLink from './commands/telegram/link.js';
import telegramUnlink from './commands/telegram/unlink.js';
import teamAdd from './commands/team/add.js';
import teamList from './commands/team/list.js';
import teamRemove from './commands/team/remove.js';
import teamShow from './commands/team/show.js';
import teamUpdate from './commands/team/update.js';
import templatesAdd from './commands/templates/add.js';
import templatesEdit from './commands/templates/edit.js';
import templatesExport from './commands/templates/export.js';
import templatesImport from './commands/templates/import.js';
import templatesList from './commands/templates/list.js';
import templatesRm from './commands/templates/rm.js';
import templatesShow from './commands/templates/show.js';
import tokenCreate from './commands/token/create.js';
import tokenList from './commands/token/list.js';
import tokenRevoke from './commands/token/revoke.js';
import tuiCommand from './commands/tui.js';
import whoamiCommand from './commands/whoami.js';
import { Ctx } from './context.js';
import { cut, describeError, EXIT, UsageError } from './errors.js';
import { type Io, processIo } from './io.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function group(name: string, description: string, commands: Command[], examples: string[]): Command {
  const cmd = new Command(name).description(description);
  for (const c of commands) cmd.addCommand(c);
  cmd.addHelpText('after', ['', 'Examples:', ...examples.map((e) => `  $ ${e}`), ''].join('\n'));
  return cmd;
}

/** "parley team add", for pointing at the right --help. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('parley')
    .description('Parley: self-hosted live chat for websites, run from the terminal')
    .version(version(), '-v, --version')
    .option('--url <url>', 'server URL (env PARLEY_URL, else the stored login, else http://127.0.0.1:8080)')
    .option('--token <token>', 'session or API token (env PARLEY_TOKEN, else the stored login)')
    .option('--json', 'print stable JSON on stdout and nothing else')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok, 1 error, 2 usage, 4 not signed in.',
        '',
        'Examples:',
        '  $ parley server --demo',
        '  $ parley login --url http://127.0.0.1:8080 --email admin@example.com',
        '  $ parley team add --email ann@example.com --first-name Ann --last-name Lee --operator',
        '  $ parley status online && parley events | jq .',
        '  $ PARLEY_URL=https://chat.example.com PARLEY_TOKEN=plt_... parley team list --json',
        '',
      ].join('\n'),
    );

  const serverCmd = serverCommand(ctx);
  const adminCreateCmd = adminCreate(ctx);
  const adminPromoteCmd = adminPromote(ctx);
  const adminDemoteCmd = adminDemote(ctx);
  const restoreCmd = restoreCommand(ctx);
  program.addCommand(serverCmd);
  program.addCommand(loginCommand(ctx));
  program.addCommand(logoutCommand(ctx));
  program.addCommand(whoamiCommand(ctx));
  program.addCommand(tuiCommand(ctx));
  program.addCommand(
    group(
      'admin',
      'server administration: the first administrator, who else is one, disabling accounts',
      [adminCreateCmd, adminPromoteCmd, adminDemoteCmd, adminDisable(ctx), adminEnable(ctx)],
      [
        'parley admin create --email ada@example.com --first-name Ada --last-name Lovelace --data-dir ./.parley',
        'parley admin promote ann@example.com --data-dir ./.parley',
        'parley admin disable bob@example.com',
      ],
    ),
  );
  program.addCommand(
    group('project', 'projects (sites) and the default project', [
      projectCreate(ctx),
      projectList(ctx),
      projectShow(ctx),
      projectSet(ctx),
      projectUse(ctx),
    ], [
      'parley project create "Acme shop"',
      'parley project use "Acme shop"',
      'parley project set --allowed-origin https://shop.example.com',
      'parley project list --json',
    ]),
  );
  program.addCommand(
    group('status', 'your online/offline switch (the widget shows its tab while someone is online)', [
      statusSwitch(ctx, true),
      statusSwitch(ctx, false),
      statusShow(ctx),
    ], ['parley status online', 'parley status show --operator ann@example.com', 'parley status show --json']),
  );
  program.addCommand(
    group('schedule', "operators' working hours: they go online and offline by themselves", [
      scheduleSet(ctx),
      scheduleShow(ctx),
      scheduleClear(ctx),
      scheduleExcept(ctx),
    ], [
      'parley schedule set --operator ann@example.com --operator bob@example.com --days mon-fri --from 09:00 --to 18:00 --tz Europe/Moscow',
      'parley schedule except --operator ann@example.com --date 2026-12-31 --off',
      'parley schedule show',
    ]),
  );
  program.addCommand(
    group('group', 'operator groups: new dialogs are routed to a group and land in its operators\' Mine', [
      groupCreate(ctx),
      groupAdd(ctx),
      groupRemove(ctx),
      groupList(ctx),
      groupDelete(ctx),
    ], [
      'parley group create wholesale',
      'parley group add wholesale --operator ann@example.com --operator bob@example.com',
      "parley project set --route 'https://shop.example.com/b2b/*=wholesale' --assignment round-robin",
      'parley group list --json',
    ]),
  );
  program.addCommand(
    group('dialogs', 'the conversations with visitors: Mine, Shared and Archive', [dialogsList(ctx), dialogsShow(ctx), dialogsSearch(ctx), dialogsClass(ctx)], [
      'parley dialogs list --view mine',
      'parley dialogs show 12',
      'parley dialogs search "order 4711"',
      'parley dialogs class 12 target',
    ]),
  );
  program.addCommand(
    group('templates', 'reply templates every operator of the project can insert', [
      templatesAdd(ctx),
      templatesList(ctx),
      templatesShow(ctx),
      templatesEdit(ctx),
      templatesRm(ctx),
      templatesImport(ctx),
      templatesExport(ctx),
    ], [
      'parley templates add Greeting "Hello, {visitor.name}! How can I help?"',
      'parley templates import templates.yaml --replace --dry-run',
      'parley templates export --format csv > templates.csv',
    ]),
  );
  program.addCommand(
    group('leads', 'the lead journal (every dialog is a lead), its report and the lead classes', [
      leadsList(ctx),
      leadsExport(ctx),
      leadsReport(ctx),
      group('classes', 'the lead classes operators pick for a dialog', [
        leadClassesList(ctx),
        leadClassesAdd(ctx),
        leadClassesRm(ctx),
        leadClassesRename(ctx),
        leadClassesOrder(ctx),
      ], ['parley leads classes list', 'parley leads classes add wholesale', 'parley leads classes rename "not target" "not a lead"']),
    ], [
      'parley leads list --since 2026-01-01 --class target',
      'parley leads export --since 2026-01-01 --until 2026-01-31 > january.csv',
      'parley leads report --since 2026-01-01',
    ]),
  );
  program.addCommand(sendCommand(ctx));
  program.addCommand(eventsCommand(ctx));
  program.addCommand(applyCommand(ctx));
  program.addCommand(exportCommand(ctx));
  program.addCommand(backupCommand(ctx));
  program.addCommand(restoreCmd);
  program.addCommand(
    group('team', 'the people of a project: operators and admins', [
      teamAdd(ctx),
      teamList(ctx),
      teamShow(ctx),
      teamUpdate(ctx),
      teamRemove(ctx),
    ], [
      'parley team add --email ann@example.com --first-name Ann --last-name Lee --operator',
      'parley team list --project 1 --json',
    ]),
  );
  program.addCommand(
    group('password', 'change, forget and reset your password', [
      passwordChange(ctx),
      passwordForgot(ctx),
      passwordReset(ctx),
    ], ['parley password change', 'parley password forgot --email ann@example.com']),
  );
  program.addCommand(
    group('profile', 'your name, phone and avatar', [profileShow(ctx), profileSet(ctx)], [
      'parley profile set --first-name Ann --avatar ./me.png',
      'parley profile show --json',
    ]),
  );
  program.addCommand(
    group('telegram', 'answer chats from Telegram: link your chat with the bot', [telegramLink(ctx), telegramUnlink(ctx)], [
      'parley telegram link',
      'parley telegram unlink',
    ]),
  );
  program.addCommand(
    group('token', 'API tokens for scripts and CI', [tokenCreate(ctx), tokenList(ctx), tokenRevoke(ctx)], [
      'export PARLEY_TOKEN=$(parley token create --name ci)',
      'parley token revoke ci',
    ]),
  );

  // Every command reports errors through the same path, and usage errors exit 2. Commander's
  // own errors (unknown command, missing option) get the same one-line "parley: ..." shape.
  // Each command's help also lists the global options (--url, --token, --json) it takes, except
  // the commands that work on the data directory and never talk to a server.
  const offline = new Set([serverCmd, adminCreateCmd, adminPromoteCmd, adminDemoteCmd, restoreCmd]);
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    refuseContradictions(cmd);
    if (!offline.has(cmd)) cmd.configureHelp({ showGlobalOptions: true });
    // On those, --url or --token would be ignored while the local data directory changes: said.
    else {
      cmd.hook('preAction', (_cmd, action) => {
        const given = ['url', 'token'].filter((flag) => action.optsWithGlobals()[flag] !== undefined);
        if (given.length) {
          const flags = given.map((flag) => `--${flag}`).join(' and ');
          throw new UsageError(`${commandPath(cmd).replace(/^parley /, '')} works on a data directory on this machine, not on a server: leave out ${flags}`);
        }
      });
    }
    cmd.configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      // Commander's words quote what it refused ("unknown option '--…'"): quoted cut when long,
      // and made safe for a terminal, as every other error line is.
      outputError: (s, write) => {
        const message = oneLine(s).replace(/^error:\s*/, '').replace(/'([^']{41,})'/g, (_, value: string) => `'${cut(value)}'`);
        write(`parley: ${terminalSafe(message)} (see "${commandPath(cmd)} --help")\n`);
      },
    });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/**
 * A message as one line: its lines trimmed and joined by a space. (Split rather than a regex
 * around the line breaks: that one took seconds over a long run of spaces in a refused value.)
 */
const oneLine = (message: string) =>
  message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');

/**
 * A flag and its negation in one command line (`--operator --no-operator`, `--avatar F
 * --no-avatar`) is a usage error, not "the last one wins".
 */
function refuseContradictions(cmd: Command) {
  const byValue = new Map<string, Option[]>();
  for (const option of cmd.options) byValue.set(option.attributeName(), [...(byValue.get(option.attributeName()) ?? []), option]);
  for (const options of byValue.values()) {
    if (options.length < 2) continue;
    let given: string | undefined;
    for (const option of options) {
      cmd.on(`option:${option.name()}`, () => {
        if (given !== undefined && given !== option.long) cmd.error(`${given} and ${option.long} contradict each other: give one`);
        given = option.long;
      });
    }
  }
}

/**
 * The exit code of a usage error. `apply --detailed-exitcode` exits 2 for "changes were made",
 * so there, as with terraform's flag, a usage error exits 1: a typo never passes for a change.
 * Read from the words given (before any "--"), since a misspelt option stops commander's parsing.
 */
function usageExit(argv: string[]): number {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--detailed-exitcode') ? EXIT.error : EXIT.usage;
}

/** Runs the CLI and resolves to the exit code; `keepAlive` tells the caller not to exit. */
export async function main(argv: string[], io: Io = processIo()): Promise<{ exitCode: number; keepAlive: boolean }> {
  const ctx = new Ctx(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { exitCode: ctx.exitCode, keepAlive: ctx.keepAlive };
  } catch (err) {
    if (err instanceof CommanderError) {
      // A group called without a subcommand prints its help to stderr (commander's exitCode 1):
      // that is usage, not success. `--help`, `help` and `--version` are success.
      const ok =
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        (err.code === 'commander.help' && err.exitCode === 0);
      return { exitCode: ok ? EXIT.ok : usageExit(argv), keepAlive: false };
    }
    const { exitCode, message } = describeError(err);
    io.stderr.write(`parley: ${terminalSafe(oneLine(message))}\n`);
    return { exitCode: exitCode === EXIT.usage ? usageExit(argv) : exitCode, keepAlive: false };
  }
}

export async function runFromProcess(): Promise<void> {
  // `parley export | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { exitCode, keepAlive } = await main(process.argv.slice(2));
  if (!keepAlive) {
    process.exitCode = exitCode;
    // Leave even if a library keeps a handle open, but only once what was written is out: a
    // pipe takes 64 KB at a time, and exiting with more queued cut `leads export | …` short.
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(exitCode);
  }
}

/** Resolves once everything written to the stream so far has been handed to the system. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}
