// The Telegram bridge: operators answer chats from their phone.
//
// - Incoming: long polling (getUpdates), or a webhook when PARLEY_TELEGRAM_WEBHOOK_URL is set.
//   Either way updates are handled one at a time in update_id order; after each, the next
//   offset is stored, so a restart neither repeats nor skips one, and an update served again (a
//   lower update_id) is ignored. A reply that is nevertheless handled twice posts once: its
//   clientId is derived from the chat and the Telegram message id.
// - Webhook mode: setWebhook at start with a secret token derived from the bot token (HMAC, so it
//   is the same after a restart and never stored or logged); every POST to the webhook route must
//   carry it in X-Telegram-Bot-Api-Secret-Token. Polling mode calls deleteWebhook first, since
//   Telegram answers getUpdates with 409 while a webhook is set.
// - Outgoing: every call goes through the outbox (Bot API limits, 429, network failures).
// - Linking: `parley telegram link` makes a one-time code (15 minutes); `/start CODE` links the
//   chat to that operator. Unlinked chats get an explanation and nothing else.
// - Forwarding: a visitor message of a dialog in a linked operator's My messages is sent to
//   their chat; Telegram's reply to it is the operator's message in that dialog, and the reply
//   gets a 👌 reaction when the visitor's widget acked it.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Message } from '../../core/protocol/index.js';
import type { Clock } from '../clock.js';
import type { Repos } from '../db/index.js';
import { viewOf } from '../db/dialogs.js';
import type { Db } from '../db/sqlite.js';
import { AppError, forbidden } from '../errors.js';
import type { EventBus } from '../realtime/bus.js';
import { sha256 } from '../secrets.js';
import type { Auth } from '../services/accounts.js';
import type { Services } from '../services/index.js';
import { type BotApi, createBotApi, TelegramApiError } from './api.js';
import { createOutbox } from './outbox.js';
import { telegramStore } from './store.js';
import { type BridgeTuning, realTimers } from './timers.js';
import type { TgMessage, TgUpdate, TgUser } from './types.js';

export const LINK_CODE_TTL_MS = 15 * 60_000;
export const DELIVERED_REACTION = '👌';
const DEFAULT_POLL_TIMEOUT_S = 25;
const ALLOWED_UPDATES = ['message', 'callback_query'];
/** Where Telegram posts updates in webhook mode; PARLEY_TELEGRAM_WEBHOOK_URL must reach it. */
export const WEBHOOK_PATH = '/telegram/webhook';
/** A webhook request is answered once its update is handled, or after this long at most. */
const WEBHOOK_ANSWER_WITHIN_MS = 2000;
/** The Bot API's longest message text. */
const MAX_TEXT = 4096;

export const TEXTS = {
  unlinked:
    'This bot brings Parley chats to operators. To link this chat, run "parley telegram link" and open the link it prints (or send /start CODE here).',
  badCode: {
    unknown: 'This link code is not valid. Run "parley telegram link" for a new one.',
    expired: 'This link code has expired (codes last 15 minutes). Run "parley telegram link" for a new one.',
    used: 'This link code was already used. Run "parley telegram link" for a new one.',
  },
  linked: (name: string, email: string) =>
    `Linked to Parley as ${name} (${email}). Visitor messages in your My messages arrive here; reply to one to answer. /help`,
  unlinkedNow: 'This chat is no longer linked to Parley. Run "parley telegram link" to link it again.',
  help: [
    'Visitor messages from your My messages arrive here.',
    'Reply to one (swipe it, or Reply) to answer that visitor; 👌 appears when the visitor has seen your answer.',
    '/online, /offline: your switch in every project you answer in (the widget shows its tab while someone is online)',
    '/status: whether you are online, and why',
    '/unlink: stop receiving chats here',
    '/help: this text',
  ].join('\n'),
  noProjects: 'You are an operator in no project.',
  replyHint: 'To answer a visitor, reply to the message of theirs that the bot forwarded. /help',
  notForwarded: 'That message is not a forwarded visitor message: reply to one the bot sent. /help',
  textOnly: 'Only text answers can be sent from Telegram for now.',
  notSent: (why: string) => `Not sent: ${why}`,
} as const;

export interface BridgeDeps {
  db: Db;
  repos: Repos;
  services: Services;
  bus: EventBus;
  clock: Clock;
  log: FastifyBaseLogger;
  apiUrl: string;
  token: string;
  /** Webhook mode when set: the public HTTPS address of WEBHOOK_PATH. */
  webhookUrl?: string | null;
  tuning?: BridgeTuning;
}

/**
 * The webhook's secret token: an HMAC of the bot token, so it survives restarts without being
 * stored, and changes with the token. 43 characters of [A-Za-z0-9_-], as setWebhook requires.
 */
export function webhookSecretFor(token: string): string {
  return createHmac('sha256', token).update('parley telegram webhook secret v1').digest('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A UUID-shaped clientId that is the same for the same Telegram message, however often it arrives. */
export function clientIdFor(chatId: number, tgMessageId: number): string {
  const h = createHash('sha256').update(`telegram:${chatId}:${tgMessageId}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type TelegramBridge = ReturnType<typeof createBridge>;

export function createBridge(deps: BridgeDeps) {
  const { repos, services, bus, clock, log } = deps;
  const timers = deps.tuning?.timers ?? realTimers;
  const pollTimeout = deps.tuning?.pollTimeoutSeconds ?? DEFAULT_POLL_TIMEOUT_S;
  const api: BotApi = createBotApi(deps.apiUrl, deps.token);
  const outbox = createOutbox(api, timers, log);
  const store = telegramStore(deps.db);
  const abort = new AbortController();
  let stopped = false;
  let bot: TgUser | null = null;
  let polling: Promise<void> = Promise.resolve();
  const webhookUrl = deps.webhookUrl || null;
  const webhookSecret = digest(webhookSecretFor(deps.token));
  /** The next update_id to handle (every lower one was handled); loaded on first use. */
  let offset: number | null = null;
  // Incoming updates are handled one at a time, in the order they came.
  let incoming: Promise<unknown> = Promise.resolve();
  const unsubscribe: Array<() => void> = [];
  // Forwards and delivery marks run one at a time, in event order (a chat sees messages in order).
  let chain: Promise<void> = Promise.resolve();
  const inOrder = (what: string, fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: Error) => {
      if (!stopped) log.error({ err: { message: err.message } }, `telegram: ${what} failed`);
    });
  };

  const say = (chatId: number, text: string, replyTo?: number) =>
    outbox.call<TgMessage>(chatId, 'sendMessage', {
      chat_id: chatId,
      text,
      link_preview_options: { is_disabled: true },
      ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
    });

  async function whoAmI(): Promise<TgUser> {
    bot ??= await api.call<TgUser>('getMe', {}, { signal: abort.signal });
    return bot;
  }

  // ---- incoming updates ----------------------------------------------------------

  /** Drops a webhook left set (Telegram refuses getUpdates while one is); true once done. */
  async function dropWebhook(): Promise<boolean> {
    try {
      // Updates waiting for the webhook are kept: getUpdates serves them next.
      await api.call('deleteWebhook', { drop_pending_updates: false }, { signal: abort.signal });
      return true;
    } catch (err) {
      if (!stopped) log.warn({ reason: (err as Error).message }, 'telegram: deleteWebhook failed');
      return false;
    }
  }

  async function poll(): Promise<void> {
    let webhookDropped = await dropWebhook();
    offset ??= await store.offset();
    let failures = 0;
    while (!stopped) {
      let updates: TgUpdate[];
      try {
        if (!webhookDropped) webhookDropped = await dropWebhook();
        updates = await api.call<TgUpdate[]>(
          'getUpdates',
          { offset, timeout: pollTimeout, allowed_updates: ALLOWED_UPDATES },
          { signal: abort.signal, timeoutMs: (pollTimeout + 15) * 1000 },
        );
        failures = 0;
      } catch (err) {
        if (stopped) break;
        const apiError = err instanceof TelegramApiError ? err : null;
        const retryAfter = apiError?.errorCode === 429 ? (apiError.retryAfter ?? 1) * 1000 : null;
        // 409: a webhook was set meanwhile (another instance?): drop it again before the next poll.
        if (apiError?.errorCode === 409) webhookDropped = false;
        failures += 1;
        log.warn({ reason: (err as Error).message }, 'telegram: getUpdates failed, retrying');
        await timers.sleep(retryAfter ?? Math.min(30_000, 500 * 2 ** failures), abort.signal);
        continue;
      }
      for (const update of [...updates].sort((a, b) => a.update_id - b.update_id)) {
        if (stopped) break;
        await inTurn(update);
      }
    }
  }

  /** Handles an update unless it was handled already; false when skipped. In arrival order. */
  function inTurn(update: TgUpdate): Promise<boolean> {
    const turn = incoming.then(() => handleOnce(update));
    incoming = turn.catch(() => undefined);
    return turn;
  }

  async function handleOnce(update: TgUpdate): Promise<boolean> {
    if (stopped) return false;
    offset ??= await store.offset();
    if (update.update_id < offset) return false; // handled already (served again)
    try {
      await handle(update);
    } catch (err) {
      // Stopping mid-update: not handled, so a restart handles it.
      if (stopped) return false;
      // One broken update must not stop the chat: it is logged and skipped.
      log.error({ updateId: update.update_id, err: { message: (err as Error).message } }, 'telegram: update failed');
    }
    offset = Math.max(offset, update.update_id + 1);
    await store.setOffset(offset);
    return true;
  }

  /** Registers the webhook, retrying until Telegram takes it. */
  async function registerWebhook(url: string): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        await api.call(
          'setWebhook',
          {
            url,
            secret_token: webhookSecretFor(deps.token),
            allowed_updates: ALLOWED_UPDATES,
            // One request at a time, so updates arrive in order; pending ones are delivered
            // (and deduplicated by update_id).
            max_connections: 1,
            drop_pending_updates: false,
          },
          { signal: abort.signal },
        );
        log.info('telegram: webhook set');
        return;
      } catch (err) {
        if (stopped) return;
        const apiError = err instanceof TelegramApiError ? err : null;
        const retryAfter = apiError?.errorCode === 429 ? (apiError.retryAfter ?? 1) * 1000 : null;
        failures += 1;
        log.warn({ reason: (err as Error).message }, 'telegram: setWebhook failed, retrying');
        await timers.sleep(retryAfter ?? Math.min(60_000, 1000 * 2 ** failures), abort.signal);
      }
    }
  }

  async function handle(update: TgUpdate): Promise<void> {
    const m = update.message;
    if (!m || m.chat.type !== 'private') return;
    const chatId = m.chat.id;
    const command = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec((m.text ?? '').trim());
    const name = command?.[1].toLowerCase();
    const arg = command?.[2]?.trim() ?? '';
    if (name === 'start' && arg) return linkChat(chatId, arg);

    const link = await store.linkOfChat(chatId);
    const user = link ? await repos.users.byId(link.user_id) : undefined;
    if (!link || !user || user.disabled_at !== null) {
      await say(chatId, TEXTS.unlinked);
      return;
    }
    if (command) {
      switch (name) {
        case 'unlink':
          await store.unlinkChat(chatId);
          await say(chatId, TEXTS.unlinkedNow);
          return;
        case 'start':
          await say(chatId, TEXTS.linked(`${user.first_name} ${user.last_name}`, user.email));
          return;
        case 'online':
        case 'offline':
        case 'status':
          await say(chatId, await presence({ user, credentialId: 0, kind: 'api' }, name));
          return;
        default:
          await say(chatId, TEXTS.help);
          return;
      }
    }
    if (!m.reply_to_message) {
      await say(chatId, TEXTS.replyHint, m.message_id);
      return;
    }
    await answer(chatId, m, { user, credentialId: 0, kind: 'api' });
  }

  /** /online, /offline and /status, over every project the operator answers in. */
  async function presence(auth: Auth, command: 'online' | 'offline' | 'status'): Promise<string> {
    const projects = (await repos.projects.forUser(auth.user.id)).filter((p) => p.operator);
    if (projects.length === 0) return TEXTS.noProjects;
    const lines: string[] = [];
    for (const p of projects) {
      if (command !== 'status') await services.presence.set(auth, p.id, command === 'online');
      const state = await services.presence.get(auth, p.id);
      lines.push(`${p.name}: ${state.explanation}`);
    }
    return lines.join('\n');
  }

  async function linkChat(chatId: number, code: string): Promise<void> {
    const outcome = await store.useCode(sha256(code), chatId, clock.now());
    if (!outcome.ok) {
      await say(chatId, TEXTS.badCode[outcome.why]);
      return;
    }
    const user = (await repos.users.byId(outcome.userId))!;
    log.info({ userId: user.id }, 'telegram: chat linked');
    if (outcome.replacedChat !== null) await say(outcome.replacedChat, TEXTS.unlinkedNow).catch(() => undefined);
    await say(chatId, TEXTS.linked(`${user.first_name} ${user.last_name}`, user.email));
  }

  /** The operator's reply to a forwarded message: their message in that dialog. */
  async function answer(chatId: number, m: TgMessage, auth: Auth): Promise<void> {
    // A forward still being recorded may be the one replied to.
    await chain;
    const target = await store.message(chatId, m.reply_to_message!.message_id);
    if (!target) {
      await say(chatId, TEXTS.notForwarded, m.message_id);
      return;
    }
    if (!m.text?.trim()) {
      await say(chatId, TEXTS.textOnly, m.message_id);
      return;
    }
    const dialog = await repos.dialogs.dialogById(target.dialog_id);
    if (!dialog) {
      await say(chatId, TEXTS.notSent('that dialog no longer exists'), m.message_id);
      return;
    }
    const clientId = clientIdFor(chatId, m.message_id);
    // Remembered before sending, so an ack that comes back at once finds it.
    await store.remember({ chat_id: chatId, tg_message_id: m.message_id, kind: 'reply', dialog_id: dialog.id, client_id: clientId });
    let message: Message;
    try {
      ({ message } = await services.dialogs.operatorSend(auth, dialog.project_id, dialog.id, clientId, m.text));
    } catch (err) {
      if (err instanceof AppError) {
        await say(chatId, TEXTS.notSent(err.message), m.message_id);
        return;
      }
      throw err;
    }
    if (message.deliveredAt) inOrder('delivery mark', () => showDelivered(dialog.id, clientId));
  }

  // ---- outgoing: forwarding and delivery marks -----------------------------------------

  async function forward(projectId: number, message: Message): Promise<void> {
    const dialog = await repos.dialogs.dialogById(message.dialogId);
    if (!dialog) return;
    const operators = await store.linkedOperators(projectId);
    if (operators.length === 0) return;
    const routing = await repos.dialogs.routing(dialog);
    const visitor = (await repos.dialogs.visitorById(dialog.visitor_id))!;
    const who = visitor.real_name ? `${visitor.real_name} (${visitor.name})` : visitor.name;
    const page = [visitor.page_title, visitor.page_url].filter(Boolean).join(' — ');
    const files = message.attachments.length ? `\n[${message.attachments.length} file(s): ${message.attachments.map((a) => a.name).join(', ')}]` : '';
    const full = `💬 ${who}${page ? `\n📄 ${page}` : ''}\n\n${message.body}${files}`;
    const text = full.length > MAX_TEXT ? `${full.slice(0, MAX_TEXT - 1)}…` : full;
    for (const op of operators) {
      if (viewOf(op.user_id, { status: dialog.status, assigneeId: dialog.assignee_id }, routing) !== 'mine') continue;
      const sent = await say(op.chat_id, text);
      await store.remember({ chat_id: op.chat_id, tg_message_id: sent.message_id, kind: 'forward', dialog_id: dialog.id, client_id: message.clientId });
    }
  }

  async function showDelivered(dialogId: number, clientId: string): Promise<void> {
    for (const row of await store.repliesToMark(dialogId, clientId)) {
      await outbox.call(row.chat_id, 'setMessageReaction', {
        chat_id: row.chat_id,
        message_id: row.tg_message_id,
        reaction: [{ type: 'emoji', emoji: DELIVERED_REACTION }],
      });
      await store.markShown(row.chat_id, row.tg_message_id);
    }
  }

  return {
    start() {
      unsubscribe.push(
        bus.subscribe('message.created', (e) => {
          if (e.message.author === 'visitor') inOrder('forward', () => forward(e.projectId, e.message));
        }),
        bus.subscribe('message.updated', (e) => {
          if (e.reason === 'delivered' && e.message.author === 'operator') {
            inOrder('delivery mark', () => showDelivered(e.message.dialogId, e.message.clientId));
          }
        }),
      );
      polling = webhookUrl
        ? registerWebhook(webhookUrl).catch((err: Error) => log.error({ err: { message: err.message } }, 'telegram: webhook not set'))
        : poll().catch((err: Error) => log.error({ err: { message: err.message } }, 'telegram: polling stopped'));
      whoAmI().catch((err: Error) => log.warn({ reason: err.message }, 'telegram: getMe failed; will ask again when linking'));
    },

    async stop() {
      stopped = true;
      for (const off of unsubscribe.splice(0)) off();
      abort.abort();
      outbox.stop();
      await polling;
      await incoming;
      await chain;
      await api.close();
    },

    /** Whether updates come by webhook (else by polling). */
    webhookMode: webhookUrl !== null,

    /** Whether a webhook request's X-Telegram-Bot-Api-Secret-Token is the secret (constant time). */
    webhookAuthorized(given: string | undefined): boolean {
      if (!webhookUrl || typeof given !== 'string' || given === '') return false;
      return timingSafeEqual(digest(given), webhookSecret);
    },

    /**
     * An update Telegram posted to the webhook: handled in turn like a polled one (skipped if
     * handled already). Resolves once handled, or after WEBHOOK_ANSWER_WITHIN_MS (handling goes
     * on, in order), so Telegram gets its answer quickly; a 503 while stopping.
     */
    async receive(update: TgUpdate): Promise<void> {
      const turn = inTurn(update).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([turn, new Promise<void>((resolve) => (timer = setTimeout(resolve, WEBHOOK_ANSWER_WITHIN_MS)))]);
      clearTimeout(timer);
      // Shutting down: the update may not have been handled, so Telegram is asked to deliver it
      // again (a handled one is then skipped by its update_id).
      if (stopped) throw new AppError(503, 'unavailable', 'the server is shutting down; deliver again');
    },

    /** A one-time code and the t.me link that sends `/start CODE` to the bot. */
    async createLink(auth: Auth) {
      const projects = await repos.projects.forUser(auth.user.id);
      if (!projects.some((p) => p.operator)) throw forbidden('only operators can link Telegram: you are an operator in no project');
      let me: TgUser;
      try {
        me = await whoAmI();
      } catch (err) {
        throw new AppError(503, 'unavailable', `Telegram cannot be reached right now (${(err as Error).message}); try again`);
      }
      const code = randomBytes(12).toString('base64url');
      const expiresAt = clock.now() + LINK_CODE_TTL_MS;
      await store.addCode(auth.user.id, sha256(code), expiresAt);
      return { code, bot: me.username ?? '', url: `https://t.me/${me.username}?start=${code}`, expiresAt: new Date(expiresAt).toISOString() };
    },

    /** Ends the caller's link; tells the chat. */
    async unlink(auth: Auth) {
      const chatId = await store.unlinkUser(auth.user.id);
      if (chatId !== null) await say(chatId, TEXTS.unlinkedNow).catch(() => undefined);
      return { unlinked: chatId !== null };
    },
  };
}
