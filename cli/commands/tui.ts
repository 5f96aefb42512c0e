import { Command } from 'commander';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';

interface Opts {
  project?: string;
}

/**
 * The bundled TUI (scripts/build.mjs: one file loads in a tenth of the time ink's modules take
 * one by one), or the module itself where there is no bundle (running from the sources).
 */
async function loadTui(): Promise<typeof import('../../tui/main.js')> {
  try {
    return (await import('../../tui/main.bundle.js' as string)) as typeof import('../../tui/main.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return import('../../tui/main.js');
  }
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { io } = ctx;
  if (!io.stdinIsTTY || !io.stdoutIsTTY) throw new UsageError('the TUI needs a terminal (stdin and stdout must be a TTY)');
  const url = await ctx.serverUrl();
  const store = await ctx.store();
  const stored = store.read();
  const login = stored.login?.url === url ? stored.login : undefined;
  const { startTui } = await loadTui();
  return startTui({
    url,
    token: ctx.flags.token ?? io.env.PARLEY_TOKEN ?? login?.token ?? null,
    email: login?.email ?? stored.login?.email ?? null,
    wanted: opts.project ?? io.env.PARLEY_PROJECT ?? null,
    defaults: stored.projects ?? {},
    // The same record `parley login` writes, so later CLI commands use this session.
    saveLogin: (session) => {
      const state = store.read();
      store.write({ ...state, login: { url: session.url, token: session.token, email: session.email } });
    },
    settings: stored.tui ?? {},
    saveSettings: (settings) => {
      const state = store.read();
      store.write({ ...state, tui: { ...state.tui, ...settings } });
    },
  });
}

export default function tuiCommand(ctx: Ctx): Command {
  return new Command('tui')
    .description('open the operator terminal UI: sign in, then answer the dialogs of a project')
    .usage('[--url URL] [--project P]')
    .option('-p, --project <project>', 'project id or name (default: "parley project use", your only operator project, or a picker)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      [
        '',
        'The server URL comes from --url, PARLEY_URL, the stored login, or http://127.0.0.1:8080.',
        'A stored login ("parley login", or an earlier TUI sign-in) or PARLEY_TOKEN skips the',
        'sign-in screen; otherwise the TUI asks for email and password (a one-time password is',
        'replaced on the spot; "Forgot password?" mails a code) and stores the login for the CLI.',
        'Keys inside: ? shows them all; Ctrl+Enter, Ctrl+S or Alt+Enter send; Ctrl+O attaches a file;',
        'Ctrl+F finds a dialog; q or Ctrl+C quit.',
        '',
        'Examples:',
        '  $ parley tui --url http://127.0.0.1:8080',
        '  $ parley tui --project "Demo shop"',
        '',
      ].join('\n'),
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
