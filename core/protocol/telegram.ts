// The Telegram bridge as operators see it through the API: linking a chat to their account.
import { Type, type Static } from 'typebox';

export const TelegramLinkReply = Type.Object({
  /** One-time code for `/start CODE` in the bot. */
  code: Type.String(),
  /** https://t.me/<bot>?start=CODE: opening it on the phone sends `/start CODE`. */
  url: Type.String(),
  bot: Type.String(),
  expiresAt: Type.String(),
});
export type TelegramLinkReply = Static<typeof TelegramLinkReply>;

export const TelegramUnlinkReply = Type.Object({ unlinked: Type.Boolean() });
export type TelegramUnlinkReply = Static<typeof TelegramUnlinkReply>;
