// One's own profile: names, phone and the avatar that the widget shows next to one's messages.
import { randomBytes } from 'node:crypto';
import { rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nameProblem } from '../../core/names.js';
import type { UpdateProfileBody } from '../../core/protocol/index.js';
import { ACCOUNT_RULES } from '../config.js';
import type { UserRow } from '../db/users.js';
import { AppError, badRequest, tooLarge } from '../errors.js';
import { sha256 } from '../secrets.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import { sniffImage } from '../../core/filetype.js';

export type ProfileService = ReturnType<typeof profileService>;

export function profileService(deps: ServiceDeps) {
  const { db, repos, clock, bus, config } = deps;
  const avatarDir = join(config.dataDir, 'avatars');

  return {
    avatarDir,

    async update(auth: Auth, body: UpdateProfileBody): Promise<UserRow> {
      const trimmed = (v: string | undefined, what: string) => {
        if (v === undefined) return undefined;
        const t = v.trim();
        if (!t) throw badRequest(`${what} must not be empty (use "-" when you prefer not to give one)`);
        const problem = nameProblem(what, t);
        if (problem) throw badRequest(problem);
        return t;
      };
      const phone = body.phone === undefined ? undefined : body.phone === null ? null : body.phone.trim() || null;
      // A line break or tab would pass \s: refused as in a name.
      const phoneProblem = phone ? nameProblem('the phone number', phone) : null;
      if (phoneProblem) throw badRequest(phoneProblem);
      if (phone && !/^[+()\d\s.-]{3,40}$/.test(phone)) {
        throw badRequest('a phone number may hold digits, spaces, +, -, . and parentheses');
      }
      const fields = {
        firstName: trimmed(body.firstName, 'the first name'),
        lastName: trimmed(body.lastName, 'the last name'),
        phone,
      };
      await db.write((tx) => repos.users.updateProfile(tx, auth.user.id, fields, clock.now()));
      bus.publish({ type: 'user.updated', userId: auth.user.id });
      return (await repos.users.byId(auth.user.id))!;
    },

    async setAvatar(auth: Auth, bytes: Buffer): Promise<UserRow> {
      if (bytes.length === 0) throw badRequest('the avatar file is empty');
      if (bytes.length > ACCOUNT_RULES.avatarMaxBytes) throw tooLarge('an avatar may be at most 2 MB');
      const type = sniffImage(bytes);
      if (!type) {
        throw new AppError(415, 'unsupported_media_type', 'an avatar must be a PNG, JPEG, WebP or GIF image');
      }
      const file = `${auth.user.id}-${randomBytes(8).toString('hex')}.${type.ext}`;
      await mkdir(avatarDir, { recursive: true });
      await writeFile(join(avatarDir, file), bytes);
      const old = auth.user.avatar_file;
      await db.write((tx) =>
        repos.users.setAvatar(tx, auth.user.id, { file, type: type.mime, etag: sha256(file) }, clock.now()),
      );
      if (old) await rm(join(avatarDir, old), { force: true });
      bus.publish({ type: 'user.updated', userId: auth.user.id });
      return (await repos.users.byId(auth.user.id))!;
    },

    async clearAvatar(auth: Auth): Promise<UserRow> {
      const old = auth.user.avatar_file;
      await db.write((tx) => repos.users.setAvatar(tx, auth.user.id, null, clock.now()));
      if (old) await rm(join(avatarDir, old), { force: true });
      bus.publish({ type: 'user.updated', userId: auth.user.id });
      return (await repos.users.byId(auth.user.id))!;
    },
  };
}
