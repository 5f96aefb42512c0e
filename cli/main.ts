// The `parley` program: commander assembles the commands; one place turns errors into exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import adminCreate from './commands/admin/create.js';
import loginCommand from './commands/login.js';
import logoutCommand from './commands/logout.js';
import passwordChange from './commands/password/change.js';
import passwordForgot from './commands/password/forgot.js';
import passwordReset from './commands/password/reset.js';
import profileSet from './commands/profile/set.js';
import profileShow from './commands/profile/show.js';
import projectCreate from './commands/project/create.js';
import projectList from './commands/project/list.js';
import projectShow from './commands/project/show.js';
import projectUse from './commands/project/use.js';
import serverCommand from './commands/server.js';
import teamAdd from './commands/team/add.js';
import teamList from './commands/team/list.js';
import teamRemove from './commands/team/remove.js';
import teamShow from './commands/team/show.js';
import teamUpdate from './commands/team/update.js';
import tokenCreate from './commands/token/create.js';
import tokenList from './commands/token/list.js';
import tokenRevoke from './commands/token/revoke.js';
import tuiCommand from './commands/tui.js';
import whoamiCommand from './commands/whoami.js';
import { Ctx } from './context.js';
import { describeError, EXIT } from './errors.js';
import { type Io, processIo } from './io.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function group(name: string, description: string, commands: Command[]): Command {
  const cmd = new Command(name).description(description);
  for (const c of commands) cmd.addCommand(c);
  return cmd;
}

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('parley')
    .description('Parley: self-hosted live chat for websites, run from the terminal')
    .version(version(), '-v, --version')
    .option('--url <url>', 'server URL (env PARLEY_URL, else the stored login, else http://127.0.0.1:8080)')
    .option('--token <token>', 'session or API token (env PARLEY_TOKEN, else the stored login)')
    .option('--json', 'print stable JSON on stdout and nothing else')
    .showHelpAfterError('(run with --help for usage)')
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
        '  $ PARLEY_URL=https://chat.example.com PARLEY_TOKEN=plt_... parley team list --json',
        '',
      ].join('\n'),
    );

  program.addCommand(serverCommand(ctx));
  program.addCommand(loginCommand(ctx));
  program.addCommand(logoutCommand(ctx));
  program.addCommand(whoamiCommand(ctx));
  program.addCommand(tuiCommand(ctx));
  program.addCommand(group('admin', 'server administration on the data directory', [adminCreate(ctx)]));
  program.addCommand(
    group('project', 'projects (sites) and the default project', [
      projectCreate(ctx),
      projectList(ctx),
      projectShow(ctx),
      projectUse(ctx),
    ]),
  );
  program.addCommand(
    group('team', 'the people of a project: operators and admins', [
      teamAdd(ctx),
      teamList(ctx),
      teamShow(ctx),
      teamUpdate(ctx),
      teamRemove(ctx),
    ]),
  );
  program.addCommand(
    group('password', 'change, forget and reset your password', [
      passwordChange(ctx),
      passwordForgot(ctx),
      passwordReset(ctx),
    ]),
  );
  program.addCommand(group('profile', 'your name, phone and avatar', [profileShow(ctx), profileSet(ctx)]));
  program.addCommand(group('token', 'API tokens for scripts and CI', [tokenCreate(ctx), tokenList(ctx), tokenRevoke(ctx)]));

  // Every command reports errors through the same path, and usage errors exit 2.
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
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
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      // A group called without a subcommand prints its help: that is usage, not success.
      return { exitCode: ok ? EXIT.ok : EXIT.usage, keepAlive: false };
    }
    const { exitCode, message } = describeError(err);
    io.stderr.write(`parley: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return { exitCode, keepAlive: false };
  }
}

export async function runFromProcess(): Promise<void> {
  const { exitCode, keepAlive } = await main(process.argv.slice(2));
  if (!keepAlive) {
    process.exitCode = exitCode;
    // Let stdout drain, then leave even if a library keeps a handle open.
    setImmediate(() => process.exit(exitCode));
  }
}
