import { Command, InvalidArgumentError } from 'commander';
import type { Ctx } from '../context.js';

const port = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return n;
};

export default function serverCommand(ctx: Ctx): Command {
  return new Command('server')
    .description('run the Parley server (HTTP API, WebSockets, widget) on an embedded SQLite database')
    .option('--host <host>', 'interface to listen on (env PARLEY_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PARLEY_PORT, default 8080)', port)
    .option('--data-dir <dir>', 'where the database, uploads and outbox live (env PARLEY_DATA_DIR, default ./.parley)')
    .option('--demo', 'create a demo project, admin and operator on first run, and print how to sign in')
    .addHelpText('after', '\nExample:\n  $ parley server --demo --port 8080 --data-dir ./.parley\n')
    .action(async (opts: { host?: string; port?: number; dataDir?: string; demo?: boolean }, cmd: Command) => {
      ctx.begin(cmd);
      const { startServer } = await import('../../server/main.js');
      await startServer({ ...opts, env: ctx.io.env, out: ctx.io.stdout });
      ctx.keepAlive = true;
    });
}
