// The configuration from the environment: a value that cannot work stops the start with one
// line naming the variable (the CLI prints it as `parley: …`), instead of failing later, every
// mail or every second.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.js';
import { hashPassword, verifyPassword } from '../../server/secrets.js';

const config = (env: NodeJS.ProcessEnv, flags: { host?: string; port?: number; dataDir?: string } = {}) =>
  configFromEnv({ PARLEY_DATA_DIR: '/tmp/x', ...env }, flags);

describe('configFromEnv', () => {
  it('refuses values that cannot work, naming the variable and the value', () => {
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{ PARLEY_SMTP_URL: 'garbage' }, 'PARLEY_SMTP_URL must be a URL (smtp://… or smtps://…), got "garbage"'],
      [{ PARLEY_SMTP_URL: 'http://mail.example.com' }, 'PARLEY_SMTP_URL must be a smtp or smtps URL, got "http://mail.example.com"'],
      [{ PARLEY_PUBLIC_URL: 'not-a-url' }, 'PARLEY_PUBLIC_URL must be a URL (http://… or https://…), got "not-a-url"'],
      [{ PARLEY_PUBLIC_URL: 'ftp://chat.example.com' }, 'PARLEY_PUBLIC_URL must be a http or https URL, got "ftp://chat.example.com"'],
      [{ PARLEY_TELEGRAM_API: 'notaurl' }, 'PARLEY_TELEGRAM_API must be a URL (http://… or https://…), got "notaurl"'],
      [{ PARLEY_TELEGRAM_WEBHOOK_URL: 'http://chat.example.com/telegram/webhook' }, 'PARLEY_TELEGRAM_WEBHOOK_URL must be a https URL, got "http://chat.example.com/telegram/webhook"'],
      [{ PARLEY_TRUST_PROXY: 'maybe' }, 'PARLEY_TRUST_PROXY must be 1 or 0 (true/false, yes/no, on/off), got "maybe"'],
      [{ PARLEY_MAIL_FROM: 'not an address <<' }, 'PARLEY_MAIL_FROM must be an address, as in "Parley <chat@example.com>" or chat@example.com, got "not an address <<"'],
      [{ PARLEY_LOG_LEVEL: 'verbose' }, 'PARLEY_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"'],
      [{ PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '0' }, 'PARLEY_WIDGET_SOCKETS_PER_ADDRESS must be a whole number from 1 up, got "0"'],
      [{ PARLEY_WIDGET_SOCKETS_PER_ADDRESS: 'lots' }, 'PARLEY_WIDGET_SOCKETS_PER_ADDRESS must be a whole number from 1 up, got "lots"'],
      [{ PARLEY_WIDGET_VISITORS_PER_MINUTE: '2.5' }, 'PARLEY_WIDGET_VISITORS_PER_MINUTE must be a whole number from 1 up, got "2.5"'],
      [{ PARLEY_WIDGET_VISITORS_PER_MINUTE: '-10' }, 'PARLEY_WIDGET_VISITORS_PER_MINUTE must be a whole number from 1 up, got "-10"'],
      [{ PARLEY_SCRYPT_N: '1000' }, 'PARLEY_SCRYPT_N must be a power of two from 1024 to 131072, got "1000"'],
      [{ PARLEY_SCRYPT_N: '512' }, 'PARLEY_SCRYPT_N must be a power of two from 1024 to 131072, got "512"'],
      [{ PARLEY_SCRYPT_N: '262144' }, 'PARLEY_SCRYPT_N must be a power of two from 1024 to 131072, got "262144"'],
      [{ PARLEY_SCRYPT_N: '16k' }, 'PARLEY_SCRYPT_N must be a power of two from 1024 to 131072, got "16k"'],
    ];
    for (const [env, message] of cases) expect(() => config(env), JSON.stringify(env)).toThrow(message);
  });

  it('takes what works, and says true or false for the proxy switch in any of its usual spellings', () => {
    const good = config({
      PARLEY_SMTP_URL: 'smtps://user:pw@mail.example.com:465',
      PARLEY_PUBLIC_URL: 'https://chat.example.com/',
      PARLEY_MAIL_FROM: '"Acme Support" <support@acme.test>',
      PARLEY_TELEGRAM_WEBHOOK_URL: 'https://chat.example.com/telegram/webhook',
      PARLEY_LOG_LEVEL: 'warn',
    });
    expect(good).toMatchObject({ smtpUrl: 'smtps://user:pw@mail.example.com:465', publicUrl: 'https://chat.example.com', logLevel: 'warn', trustProxy: false });
    for (const on of ['1', 'true', 'YES', 'on']) expect(config({ PARLEY_TRUST_PROXY: on }).trustProxy).toBe(true);
    for (const off of ['', '0', 'false', 'no', 'off']) expect(config({ PARLEY_TRUST_PROXY: off }).trustProxy).toBe(false);
  });

  it('takes the widget limits per address, with generous defaults (one address may be an office, or a proxy)', () => {
    expect(config({})).toMatchObject({ widgetSocketsPerAddress: 500, widgetVisitorsPerMinute: 60 });
    expect(config({ PARLEY_WIDGET_SOCKETS_PER_ADDRESS: ' 20000 ', PARLEY_WIDGET_VISITORS_PER_MINUTE: '' })).toMatchObject({
      widgetSocketsPerAddress: 20000,
      widgetVisitorsPerMinute: 60,
    });
  });

  it('hashes passwords at scrypt N=16384 unless PARLEY_SCRYPT_N says otherwise; a hash keeps its own cost', async () => {
    expect(config({}).scryptN).toBe(16384);
    expect(config({ PARLEY_SCRYPT_N: ' 65536 ' }).scryptN).toBe(65536);
    const strong = await hashPassword('correct horse', config({}).scryptN);
    const cheap = await hashPassword('correct horse', config({ PARLEY_SCRYPT_N: '1024' }).scryptN);
    expect(strong).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(cheap).toMatch(/^scrypt\$1024\$8\$1\$/);
    // Verifying reads the cost from the hash: either verifies, whatever the setting now.
    for (const hash of [strong, cheap]) {
      expect(await verifyPassword('correct horse', hash)).toBe(true);
      expect(await verifyPassword('correct horse!', hash)).toBe(false);
    }
    expect(await hashPassword('x', 131072)).toMatch(/^scrypt\$131072\$/);
  });

  it('makes a usable public URL for any host: any address as loopback, IPv6 in brackets', () => {
    expect(config({}, { host: '0.0.0.0', port: 4000 }).publicUrl).toBe('http://127.0.0.1:4000');
    expect(config({}, { host: '::', port: 4000 }).publicUrl).toBe('http://127.0.0.1:4000');
    expect(config({}, { host: '::1', port: 4000 }).publicUrl).toBe('http://[::1]:4000');
    expect(new URL(config({}, { host: 'fe80::1', port: 80 }).publicUrl).hostname).toBe('[fe80::1]');
  });

  it('names the host, as the flag or the variable it came from, not the public URL made from it', () => {
    expect(() => config({}, { host: '999.1.1.1', port: 4000 })).toThrow('--host must be an IP address or a host name, got "999.1.1.1"');
    expect(() => config({ PARLEY_HOST: '999.1.1.1' })).toThrow('PARLEY_HOST must be an IP address or a host name, got "999.1.1.1"');
    // Not host names either, though a URL would take them after "http://".
    for (const bad of ['example.com:80', 'a/b', 'user@host', '[example.com]']) expect(() => config({}, { host: bad })).toThrow(`--host must be an IP address or a host name, got "${bad}"`);
    // An IPv6 address in brackets, as a URL writes it, is that address.
    expect(config({}, { host: '[::1]', port: 4000 })).toMatchObject({ host: '::1', publicUrl: 'http://[::1]:4000' });
    expect(() => config({ PARLEY_HOST: 'chat example' })).toThrow(/^PARLEY_HOST must be/);
    // The flag wins over the variable, so a bad variable beside a good flag is not in the way.
    expect(config({ PARLEY_HOST: '999.1.1.1' }, { host: 'localhost' }).host).toBe('localhost');
    expect(config({ PARLEY_HOST: 'chat.internal' }).publicUrl).toBe('http://chat.internal:8080');
  });

  it('refuses a data directory that is a file, naming the flag or the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-config-'));
    const file = join(dir, 'afile');
    await writeFile(file, '');
    expect(() => config({}, { dataDir: file })).toThrow(`--data-dir must be a directory, but ${file} is a file`);
    expect(() => config({ PARLEY_DATA_DIR: file })).toThrow(`PARLEY_DATA_DIR must be a directory, but ${file} is a file`);
    expect(() => config({ PARLEY_DATA_DIR: join(file, 'data') })).toThrow(`PARLEY_DATA_DIR must be a directory, but part of the path ${join(file, 'data')} is a file`);
    // A directory that is there, or not yet (the server makes it), is fine.
    expect(config({ PARLEY_DATA_DIR: dir }).dataDir).toBe(dir);
    expect(config({}, { dataDir: join(dir, 'new') }).dataDir).toBe(join(dir, 'new'));
    await rm(dir, { recursive: true });
  });
});
