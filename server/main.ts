// The server process: listen, and shut down gracefully on SIGINT/SIGTERM
// (stop accepting, close sockets, finish pending writes, close the database).
import type { FastifyInstance } from 'fastify';
import { shellWord } from '../core/shell.js';
import { buildApp } from './app.js';
import { configFromEnv, type ServerConfig } from './config.js';
import type { DemoInfo } from './services/admin.js';
import { installCommand } from './services/mails.js';

export interface StartOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  demo?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where the human-facing banner goes (stdout by default). */
  out?: NodeJS.WritableStream;
}

export async function startServer(opts: StartOptions = {}): Promise<{ app: FastifyInstance; config: ServerConfig }> {
  const config = configFromEnv(opts.env ?? process.env, { host: opts.host, port: opts.port, dataDir: opts.dataDir });
  // Everything the server writes (the database, uploads, mail in the outbox) is for its user only.
  process.umask(0o077);
  const app = await buildApp({ config });
  // Before listening: a signal as soon as "Server listening" is logged (or while the demo is being
  // made) still closes the server cleanly, not by the signal's default action.
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const where = `port ${config.port} on ${config.host}`;
    if (code === 'EADDRINUSE') throw new Error(`${where} is in use (another Parley?): stop what uses it, or choose another port with --port or PARLEY_PORT`);
    if (code === 'EACCES') throw new Error(`${where} needs privileges this user lacks: choose a port above 1023 with --port or PARLEY_PORT`);
    throw err;
  }
  // With port 0 the real port is known only now.
  const address = app.server.address();
  if (config.port === 0 && address && typeof address === 'object') {
    config.port = address.port;
    if (!(opts.env ?? process.env).PARLEY_PUBLIC_URL) {
      config.publicUrl = config.publicUrl.replace(/:0$/, `:${address.port}`);
    }
  }
  if (opts.demo) {
    const demo = await app.services.admin.ensureDemo();
    (opts.out ?? process.stdout).write(demoBanner(config, demo));
  } else if ((await app.repos.users.count()) === 0) {
    (opts.out ?? process.stdout).write(firstAdminBanner(config));
  }

  return { app, config };
}

/** A new server nobody can sign in to yet: how to make its first administrator. */
function firstAdminBanner(config: ServerConfig): string {
  return [
    '',
    `Parley is running at ${config.publicUrl}  (data in ${config.dataDir})`,
    '',
    'Nobody can sign in yet. Create the first server administrator (from the Parley installation,',
    'on this machine; the server may keep running):',
    `  npx parley admin create --data-dir ${shellWord(config.dataDir)} --email you@example.com --first-name You --last-name -`,
    `then sign in with the one-time password it prints: npx parley login --url ${config.publicUrl} --email you@example.com`,
    '',
  ].join('\n');
}

function demoBanner(config: ServerConfig, demo: DemoInfo): string {
  const url = config.publicUrl;
  const who = (label: string, login: DemoInfo['admin']) =>
    `  ${label.padEnd(9)} ${login.email.padEnd(22)} ${
      login.password
        ? `one-time password: ${login.password}`
        : `(password already chosen; forgot it? npx parley password forgot --url ${url} --email ${login.email})`
    }`;
  return [
    '',
    `Parley is running at ${url}  (data in ${config.dataDir})`,
    '',
    `Demo project "${demo.projectName}" (id ${demo.projectId}, widget key ${demo.widgetKey})`,
    who('admin', demo.admin),
    who('operator', demo.operator),
    '',
    `Open the operator TUI in another terminal and sign in as ${demo.operator.email}:`,
    `  npx parley tui --url ${url}`,
    `(On another computer: ${installCommand(url)}, then parley tui --url ${url})`,
    '',
    // Said only while there is one to replace (a restart after both chose theirs shows none).
    ...(demo.admin.password || demo.operator.password
      ? ['One-time passwords must be replaced at the first sign-in; the TUI and the CLI ask for a new one.']
      : []),
    'Mail goes to ' + (config.smtpUrl ? 'the SMTP server' : `${config.dataDir}/outbox/ (set PARLEY_SMTP_URL to send it)`),
    '',
  ].join('\n');
}
