// What the bridge's parts share: the server's repositories and services, the bridge's store and
// outbox, and the one way to say something in a chat.
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Repos } from '../db/index.js';
import type { Services } from '../services/index.js';
import { type BotApi, TelegramApiError } from './api.js';
import type { Outbox, PostTracking } from './outbox.js';
import type { TelegramStore } from './store.js';
import { clip } from './texts.js';
import type { DeadlineTimers } from './timers.js';
import type { TgInlineButton, TgMessage } from './types.js';

export interface SayOptions {
  /** Shown as a reply to this message of the chat. */
  replyTo?: number;
  /** Rows of inline buttons. */
  buttons?: TgInlineButton[][];
  /** Kept trying through an outage until Telegram answers (see the outbox). */
  untilAnswered?: boolean;
  /** Keeps whether the post is in doubt (see the outbox); forwards use it. */
  track?: PostTracking;
}

export interface BridgeContext {
  repos: Repos;
  services: Services;
  store: TelegramStore;
  outbox: Outbox;
  api: BotApi;
  clock: Clock;
  deadlines: DeadlineTimers;
  log: FastifyBaseLogger;
  /** The address visitors' files are linked with when too big to upload. */
  publicUrl: string;
  /** The largest file an operator may attach (the server's upload limit). */
  uploadMaxBytes: number;
  /** Whether the visitor has a widget open now. */
  visitorOnline(visitorId: number): boolean;
  /** Runs `fn` after every outgoing step queued before it (a chat sees things in order). */
  inOrder(what: string, fn: () => Promise<void>): void;
  /** Resolves when every outgoing step queued so far is done. */
  settled(): Promise<void>;
  isStopped(): boolean;
}

/** Parameters of a text message: plain text (never parsed as markup), no link previews. */
export function textParams(chatId: number, text: string, opts: SayOptions = {}) {
  return {
    chat_id: chatId,
    text: clip(text),
    link_preview_options: { is_disabled: true },
    ...(opts.replyTo ? { reply_parameters: { message_id: opts.replyTo, allow_sending_without_reply: true } } : {}),
    ...(opts.buttons ? { reply_markup: { inline_keyboard: opts.buttons } } : {}),
  };
}

export const say = (ctx: BridgeContext, chatId: number, text: string, opts?: SayOptions) =>
  ctx.outbox.call<TgMessage>(chatId, 'sendMessage', textParams(chatId, text, opts), { untilAnswered: opts?.untilAnswered, track: opts?.track });

/**
 * Changes a message the bot sent; without buttons its inline keyboard goes away. A message that
 * already reads so (a second tap on the same button) is done, not a failure.
 */
export const edit = async (ctx: BridgeContext, chatId: number, messageId: number, text: string, buttons?: TgInlineButton[][]) => {
  const { chat_id, text: clipped, link_preview_options, reply_markup } = textParams(chatId, text, { buttons });
  try {
    await ctx.outbox.call(chatId, 'editMessageText', { chat_id, message_id: messageId, text: clipped, link_preview_options, reply_markup });
  } catch (err) {
    if (!(err instanceof TelegramApiError && err.errorCode === 400 && /message is not modified/.test(err.description))) throw err;
  }
};
