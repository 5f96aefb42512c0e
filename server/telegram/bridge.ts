// The Telegram bridge: operators answer chats from their phone. This file runs it: where updates
// come from, in what order, and linking; chat.ts handles what operators do in their chats,
// relay.ts what goes out to them.
//
// - Incoming: long polling (getUpdates), or a webhook when PARLEY_TELEGRAM_WEBHOOK_URL is set.
//   Either way updates are handled one at a time in update_id order; after each, the next
//   offset is stored, so a restart neither repeats nor skips one, and an update served again (a
//   lower update_id) is ignored. A reply that is nevertheless handled twice posts once: its
//   clientId is derived from the chat and the Telegram message id.
// - Webhook mode: setWebhook at start with a secret token derived from the bot token (HMAC, so it
//   is the same after a restart and never stored or logged); every POST to the webhook route must
//   carry it in X-Telegram-Bot-Api-Secret-Token. An update is stored before it is answered 200
//   and deleted once handled, so a crash in between loses nothing (the next start handles it).
//   Polling mode calls deleteWebhook first, since Telegram answers getUpdates with 409 while a
//   webhook is set.
// - Outgoing: every call goes through the outbox (Bot API limits, 429, network failures), and
//   forwards, notices and delivery marks run one at a time in event order. What each chat is owed
//   of visitor messages is stored first (relay.forwardOwed), so a start sends what a stop or a
//   crash left.
// - Linking: `parley telegram link` makes a one-time code (15 minutes); `/start CODE` links the
//   chat to that operator.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Repos } from '../db/index.js';
import type { Db } from '../db/sqlite.js';
import { AppError, forbidden } from '../errors.js';
import type { EventBus } from '../realtime/bus.js';
import { sha256 } from '../secrets.js';
import type { Auth } from '../services/accounts.js';
import type { Services } from '../services/index.js';
import { type BotApi, createBotApi, TelegramApiError } from './api.js';
import { createChat } from './chat.js';
import { type BridgeContext, say } from './context.js';
import { webhookSecretFor } from './ids.js';
import { createOutbox } from './outbox.js';
import { createRelay } from './relay.js';
import { telegramStore } from './store.js';
import { TEXTS } from './texts.js';
import { type BridgeTuning, realDeadlines, realTimers } from './timers.js';
import type { TgUpdate, TgUser } from './types.js';

export { clientIdFor, webhookSecretFor } from './ids.js';
export { DELIVERED_REACTION, DELIVERY_DEADLINE_MS } from './relay.js';
export { TEXTS } from './texts.js';

export const LINK_CODE_TTL_MS = 15 * 60_000;
const DEFAULT_POLL_TIMEOUT_S = 25;
/** How long stopping waits for the update being handled and the messages queued to go out. */
const STOP_GRACE_MS = 3000;
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'];
/** Where Telegram posts updates in webhook mode; PARLEY_TELEGRAM_WEBHOOK_URL must reach it. */
export const WEBHOOK_PATH = '/telegram/webhook';

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
  publicUrl: string;
  uploadMaxBytes: number;
  /** Whether a visitor has a widget open now (the hub knows). */
  visitorOnline(visitorId: number): boolean;
  tuning?: BridgeTuning;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

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

  const ctx: BridgeContext = {
    repos,
    services,
    store,
    outbox,
    api,
    clock,
    deadlines: deps.tuning?.deadlines ?? realDeadlines,
    log,
    publicUrl: deps.publicUrl,
    uploadMaxBytes: deps.uploadMaxBytes,
    visitorOnline: deps.visitorOnline,
    inOrder,
    settled: () => chain,
    isStopped: () => stopped,
  };
  const relay = createRelay(ctx);
  const chat = createChat(ctx, relay);

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
      await chat.handle(update);
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

  /** Handles a kept webhook update in turn (its copy stays kept if this fails: a restart retries). */
  const handleKept = (update: TgUpdate) =>
    void inTurn(update).catch((err: Error) => log.error({ updateId: update.update_id, err: { message: err.message } }, 'telegram: update not handled'));

  /** Webhook updates stored before a crash and never handled: handled first, in order. */
  async function resumeKept(): Promise<void> {
    const kept = await store.pendingUpdates();
    if (kept.length) log.info({ count: kept.length }, 'telegram: handling updates kept from before the restart');
    for (const update of kept) handleKept(update);
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

  return {
    start() {
      unsubscribe.push(
        bus.subscribe('message.created', (e) => {
          if (e.message.author === 'visitor') inOrder('forward', () => relay.forwardOwed());
        }),
        bus.subscribe('message.updated', (e) => {
          if (e.reason === 'delivered' && e.message.author === 'operator') {
            inOrder('delivery mark', () => relay.showDelivered(e.message.dialogId, e.message.clientId));
          }
        }),
        bus.subscribe('dialog.updated', (e) => {
          const { assignedBy: by, releasedFrom: from, waited } = e;
          inOrder('change of hands', () => relay.announceHands(e.projectId, e.dialog, { by, from, waited }));
          if (by || from || waited) inOrder('assignment notice', () => relay.announceAssignment(e.projectId, e.dialog, { by, from, waited }));
        }),
      );
      // Deadlines first (they are due within seconds); then what was owed to chats when the
      // server stopped (or crashed), in order, before anything new.
      inOrder('delivery deadlines', () => relay.rearm());
      inOrder('forwards left', () => relay.forwardOwed());
      polling = webhookUrl
        ? resumeKept()
            .then(() => registerWebhook(webhookUrl))
            .catch((err: Error) => log.error({ err: { message: err.message } }, 'telegram: webhook not set'))
        : poll().catch((err: Error) => log.error({ err: { message: err.message } }, 'telegram: polling stopped'));
      whoAmI().catch((err: Error) => log.warn({ reason: err.message }, 'telegram: getMe failed; will ask again when linking'));
    },

    async stop() {
      stopped = true;
      for (const off of unsubscribe.splice(0)) off();
      // No new updates; the one being handled (and what it sends) may finish, for a moment, so
      // its effects and its offset are stored together. Later ones stay for the next start.
      abort.abort();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
      await Promise.race([incoming.then(() => chain), grace]);
      clearTimeout(timer);
      relay.stop();
      outbox.stop();
      await polling;
      await incoming;
      await chain;
      await api.close();
    },

    /** Resolves once the outgoing steps queued so far (forwards, notices, delivery marks) are done. */
    settled: () => chain,

    /** Whether updates come by webhook (else by polling). */
    webhookMode: webhookUrl !== null,

    /** Whether a webhook request's X-Telegram-Bot-Api-Secret-Token is the secret (constant time). */
    webhookAuthorized(given: string | undefined): boolean {
      if (!webhookUrl || typeof given !== 'string' || given === '') return false;
      return timingSafeEqual(digest(given), webhookSecret);
    },

    /**
     * An update Telegram posted to the webhook: stored, then handled in turn like a polled one
     * (skipped if handled already). Resolves once stored, so Telegram gets its answer at once and
     * a crash before handling loses nothing; a 503 while stopping (Telegram delivers it again).
     */
    async receive(update: TgUpdate): Promise<void> {
      if (stopped) throw new AppError(503, 'unavailable', 'the server is shutting down; deliver again');
      offset ??= await store.offset();
      if (update.update_id < offset) return;
      await store.keepUpdate(update);
      handleKept(update);
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

    /**
     * Tells a chat that a password reset ended its link (the reset deleted it, with the sessions:
     * services/accounts.ts). Kept trying through an outage, so the chat does learn it.
     */
    async linkEndedByReset(chatId: number) {
      await say(ctx, chatId, TEXTS.unlinkedByReset, { untilAnswered: true }).catch((err: Error) =>
        log.warn({ reason: err.message }, 'telegram: could not tell a chat its link ended'),
      );
    },

    /** Ends the caller's link; tells the chat. */
    async unlink(auth: Auth) {
      const chatId = await store.unlinkUser(auth.user.id);
      if (chatId !== null) await say(ctx, chatId, TEXTS.unlinkedNow).catch(() => undefined);
      return { unlinked: chatId !== null };
    },
  };
}
