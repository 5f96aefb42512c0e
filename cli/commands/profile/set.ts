import { Command } from 'commander';
import type { UpdateProfileBody, User } from '../../../core/protocol/index.js';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { readLocalFile } from '../../local-files.js';
import { parseName } from '../../options.js';
import { renderProfile } from './show.js';

interface Opts {
  firstName?: string;
  lastName?: string;
  phone?: string;
  avatar?: string | false;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const body: UpdateProfileBody = {};
  if (opts.firstName !== undefined) body.firstName = opts.firstName;
  if (opts.lastName !== undefined) body.lastName = opts.lastName;
  if (opts.phone !== undefined) body.phone = opts.phone === '' ? null : opts.phone;
  if (Object.keys(body).length === 0 && opts.avatar === undefined) {
    throw new UsageError('nothing to change: give --first-name, --last-name, --phone, --avatar or --no-avatar');
  }
  // Read the file before changing anything, so a wrong path changes nothing.
  const avatar = typeof opts.avatar === 'string' ? await readLocalFile(opts.avatar) : null;
  const client = await ctx.client();
  let user: User | null = null;
  if (Object.keys(body).length > 0) user = await client.updateProfile(body);
  if (avatar) user = await client.setAvatar(avatar);
  else if (opts.avatar === false) user = await client.clearAvatar();
  result(ctx.io, user, () => `Profile updated.\n${renderProfile(user!, client.url)}`);
  return 0;
}

export default function profileSet(ctx: Ctx): Command {
  return new Command('set')
    .description('change your name, phone or avatar (shown to visitors next to your messages)')
    .option('--first-name <name>', 'first name', parseName)
    .option('--last-name <name>', 'last name ("-" when you prefer not to give one)', parseName)
    .option('--phone <phone>', 'phone number ("" removes it)')
    .option('--avatar <file>', 'PNG, JPEG, WebP or GIF image, at most 2 MB')
    .option('--no-avatar', 'remove the avatar')
    .addHelpText('after', '\nExample:\n  $ parley profile set --first-name Ann --phone "+1 555 0100" --avatar ./me.jpg\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
