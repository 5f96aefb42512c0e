import { Command } from 'commander';
import { AVATAR_MAX_BYTES } from '../../../core/protocol/constants.js';
import type { UpdateProfileBody, User } from '../../../core/protocol/index.js';
import type { Ctx } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { readLocalFile } from '../../local-files.js';
import { checkLength, parseName } from '../../options.js';
import { withAbsoluteUrls } from '../../present.js';
import { renderProfile } from './show.js';

interface Opts {
  firstName?: string;
  lastName?: string;
  phone?: string;
  avatar?: string | false;
}

/** UpdateProfileBody's limit for a phone number. */
const MAX_PHONE = 40;

/**
 * The avatar file, checked as the server checks it (server/services/profile.ts, by the same
 * rules): not empty, at most 2 MB, a PNG, JPEG, WebP or GIF by its bytes.
 */
async function checkedAvatar(path: string): Promise<Buffer> {
  const bytes = await readLocalFile(path);
  const { sniffImage } = await import('../../../core/filetype.js');
  if (bytes.length === 0) throw new CliError(`${path}: the avatar file is empty`);
  if (bytes.length > AVATAR_MAX_BYTES) throw new CliError(`${path}: an avatar may be at most 2 MB`);
  if (!sniffImage(bytes)) throw new CliError(`${path}: an avatar must be a PNG, JPEG, WebP or GIF image`);
  return bytes;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const body: UpdateProfileBody = {};
  if (opts.firstName !== undefined) body.firstName = opts.firstName;
  if (opts.lastName !== undefined) body.lastName = opts.lastName;
  if (opts.phone !== undefined) body.phone = opts.phone === '' ? null : opts.phone;
  if (Object.keys(body).length === 0 && opts.avatar === undefined) {
    throw new UsageError('nothing to change: give --first-name, --last-name, --phone, --avatar or --no-avatar');
  }
  if (opts.phone !== undefined) checkLength(opts.phone, MAX_PHONE, '--phone');
  // Read and check the file before changing anything: a wrong path, or a file the server would
  // refuse after the names were saved, changes nothing.
  const avatar = typeof opts.avatar === 'string' ? await checkedAvatar(opts.avatar) : null;
  const client = await ctx.client();
  let user: User | null = null;
  if (Object.keys(body).length > 0) user = await client.updateProfile(body);
  if (avatar) user = await client.setAvatar(avatar);
  else if (opts.avatar === false) user = await client.clearAvatar();
  const shown = withAbsoluteUrls(user!, client.url);
  result(ctx.io, shown, () => `Profile updated.\n${renderProfile(shown)}`);
  return 0;
}

export default function profileSet(ctx: Ctx): Command {
  return new Command('set')
    .description('change your name, phone or avatar (shown to visitors next to your messages)')
    .option('--first-name <name>', 'first name', parseName)
    .option('--last-name <name>', 'last name ("-" when you prefer not to give one)', parseName)
    .option('--phone <phone>', `phone number, at most ${MAX_PHONE} characters ("" removes it)`)
    .option('--avatar <file>', 'PNG, JPEG, WebP or GIF image, at most 2 MB')
    .option('--no-avatar', 'remove the avatar')
    .addHelpText('after', '\nExample:\n  $ parley profile set --first-name Ann --phone "+1 555 0100" --avatar ./me.jpg\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
