// Outgoing: a visitor message (with its files) goes to the chat of every linked operator whose My
// messages hold the dialog, written down first as owed to that chat, so a stop or a crash loses
// none (the next start sends what is left); an operator's reply from Telegram gets 👌 once the
// visitor's widget acked it, or, after 5 seconds without an ack, a notice with a resend button. A
// forward that failed (refused, or still failing after the outbox's retries) or whose fate
// Telegram left unknown (a crash included) is never repeated: the chat is told it may be missing
// instead, once Telegram answers. Colleagues who got a dialog hear when it changes hands.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSize } from '../../core/format-size.js';
import type { Attachment, DialogSummary } from '../../core/protocol/index.js';
import { type DialogRow, viewOf } from '../db/dialogs.js';
import type { Auth } from '../services/accounts.js';
import { presentMessage } from '../services/present.js';
import { InputFile, MAX_PHOTO_BYTES, MAX_UPLOAD_BYTES, TelegramApiError, TelegramNetworkError } from './api.js';
import { type BridgeContext, edit, say } from './context.js';
import type { PostTracking } from './outbox.js';
import type { ForwardRow } from './store.js';
import { button, excerpt, fileCount, split, TEXTS, visitorLabel } from './texts.js';
import type { TgMessage } from './types.js';

export const DELIVERED_REACTION = '👌';
/** DESIGN.md's delivery contract: an operator's message not delivered within 5 s has failed. */
export const DELIVERY_DEADLINE_MS = 5000;
/**
 * At start, delivery deadlines are armed again only for replies stored this recently. A restart
 * takes seconds or minutes; an older reply still waiting was left by a server from before
 * deadlines outlived a restart, or by a chat that refused the 👌, and a "not delivered" notice
 * (whose Resend pushes the old answer again) or a "✅ Delivered." hours or months late would
 * only confuse the chat. Such replies are settled with nothing said.
 */
export const REARM_HORIZON_MS = 60 * 60_000;
/**
 * Visitor messages older than this are not forwarded. Only a start can find such messages not
 * looked at yet (the bridge was off, or the server down, for a while): operators have seen them
 * in the TUI meanwhile, and hundreds of stale forwards would hold up everything the chats get
 * now. Each chat hears how many it missed instead.
 */
export const FORWARD_HORIZON_MS = 60 * 60_000;
/** What Telegram shows as a photo; other images go as documents. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

export type Relay = ReturnType<typeof createRelay>;

/** How a dialog changed hands, when not by its new assignee's own act. */
export interface HandsChange {
  /** A member gave it to its assignee. */
  by?: { id: number; name: string };
  /** Its assignee no longer answers in the project: it went to its group or to the next operator. */
  from?: { id: number; name: string };
  /** Under round-robin it waited for an operator of its group and went to one online now. */
  waited?: true;
}

export function createRelay(ctx: BridgeContext) {
  const { repos, store, log } = ctx;
  /** Deadlines of replies not delivered yet, by `${chatId}:${tgMessageId}`. */
  const deadlines = new Map<string, unknown>();

  function disarm(chatId: number, tgMessageId: number) {
    const key = `${chatId}:${tgMessageId}`;
    if (deadlines.has(key)) ctx.deadlines.clearTimeout(deadlines.get(key));
    deadlines.delete(key);
  }

  /** Notes queued and not out yet, by `${chatId}:${dialogId}`: one note covers what went missing meanwhile. */
  const missing = new Set<string>();

  /**
   * The chat is told that a message of this dialog may not have arrived, with a button to open
   * the dialog. Not awaited: the note waits out an outage (until Telegram answers again) without
   * holding up other chats' forwards, and its chat's queue keeps it before what the chat gets next.
   */
  function warnMissing(chatId: number, who: string, dialogId: number): void {
    const key = `${chatId}:${dialogId}`;
    if (missing.has(key)) return;
    missing.add(key);
    say(ctx, chatId, TEXTS.unknownFate(who), { buttons: [[button('Open the dialog', `open:${dialogId}`)]], untilAnswered: true }).then(
      () => void missing.delete(key),
      (err: Error) => {
        missing.delete(key);
        if (!ctx.isStopped()) log.warn({ reason: err.message }, 'telegram: could not warn about a missing message');
      },
    );
  }

  /** A file as a line with its address, for files that are not (or could not be) uploaded. */
  const fileLink = (a: Attachment) => `📎 ${a.name} (${formatSize(a.size)}): ${ctx.publicUrl}${a.url}`;

  /** A visitor's file: uploaded to the chat (as a photo when it is one), or linked when too big; null when it is gone. */
  async function sendFile(chatId: number, a: Attachment, replyTo: number, track: PostTracking): Promise<TgMessage | null> {
    const row = await store.attachmentFile(a.id);
    if (!row) return null;
    const replyParameters = { message_id: replyTo, allow_sending_without_reply: true };
    const upload = async (method: 'sendPhoto' | 'sendDocument') => {
      const bytes = await readFile(join(ctx.services.attachments.dir, row.file));
      return ctx.outbox.call<TgMessage>(
        chatId,
        method,
        {
          chat_id: chatId,
          [method === 'sendPhoto' ? 'photo' : 'document']: new InputFile(bytes, a.name, a.mime),
          caption: a.name,
          reply_parameters: replyParameters,
        },
        { track },
      );
    };
    if (a.size > MAX_UPLOAD_BYTES) return say(ctx, chatId, fileLink(a), { replyTo, track });
    if (PHOTO_TYPES.has(a.mime) && a.size <= MAX_PHOTO_BYTES) {
      // Telegram refuses some images as photos (odd dimensions): those go as documents.
      return upload('sendPhoto').catch((err) => {
        if (err instanceof TelegramApiError && err.errorCode === 400) return upload('sendDocument');
        throw err;
      });
    }
    return upload('sendDocument');
  }

  /** The linked chats whose operator has the dialog in My messages now. */
  async function chatsOwed(dialog: DialogRow): Promise<number[]> {
    const routing = await repos.dialogs.routing(dialog);
    const chatIds: number[] = [];
    for (const op of await store.linkedOperators(dialog.project_id)) {
      if (viewOf(op.user_id, { status: dialog.status, assigneeId: dialog.assignee_id }, routing) === 'mine') chatIds.push(op.chat_id);
    }
    return chatIds;
  }

  /**
   * Writes down what each linked chat is owed for the visitor messages not looked at yet: each
   * goes to the chats of the operators whose My messages hold its dialog now. Those older than
   * FORWARD_HORIZON_MS are passed over; each chat that would have got some is told how many.
   */
  async function queueForwards(): Promise<void> {
    const fresh = await store.visitorMessagesToQueue();
    if (fresh.length === 0) return;
    const since = ctx.clock.now() - FORWARD_HORIZON_MS;
    const byDialog = new Map<number, { chatIds: number[]; dialog: { id: number; assignee_id: number | null } | null }>();
    const missed = new Map<number, number>();
    const queued: Parameters<typeof store.queueForwards>[0] = [];
    for (const { id, dialog_id, created_at } of fresh) {
      let owed = byDialog.get(dialog_id);
      if (!owed) {
        const dialog = await repos.dialogs.dialogById(dialog_id);
        owed = dialog ? { chatIds: await chatsOwed(dialog), dialog: { id: dialog.id, assignee_id: dialog.assignee_id } } : { chatIds: [], dialog: null };
        byDialog.set(dialog_id, owed);
      }
      if (created_at < since) {
        for (const chatId of owed.chatIds) missed.set(chatId, (missed.get(chatId) ?? 0) + 1);
        queued.push({ messageId: id, chatIds: [], dialog: null });
      } else {
        queued.push({ messageId: id, chatIds: owed.chatIds, dialog: owed.dialog });
      }
    }
    await store.queueForwards(queued);
    // Queued now, so each chat reads it before the forwards that follow.
    for (const [chatId, count] of missed) {
      say(ctx, chatId, TEXTS.olderNotForwarded(count)).catch((err: Error) => {
        if (!ctx.isStopped()) log.warn({ reason: err.message, chatId }, 'telegram: could not say that older messages were not forwarded');
      });
    }
  }

  /**
   * Sends every chat what it is owed, in message order: new visitor messages, and after a start
   * what was left when the server stopped or crashed. A post Telegram may have made without
   * answering before the stop is not made again: the chat hears that a message may be missing.
   */
  async function forwardOwed(): Promise<void> {
    // No chat linked: nothing is owed, and nothing is written (the next link moves the mark on).
    if (!(await store.anyLinked())) return;
    await queueForwards();
    for (const owed of await store.forwardsOwed()) {
      if (ctx.isStopped()) return;
      await forwardOne(owed);
    }
  }

  /** One visitor message to one chat: its parts, then its files, each counted once Telegram confirmed it. */
  async function forwardOne(owed: ForwardRow): Promise<void> {
    const { chat_id: chatId, message_id: messageId } = owed;
    const row = await repos.dialogs.messageById(messageId);
    const dialog = row ? await repos.dialogs.dialogById(row.dialog_id) : undefined;
    // Gone, or the chat was unlinked meanwhile: nothing is owed.
    if (!row || !dialog || !(await store.linkOfChat(chatId))) return store.forwardDone(chatId, messageId);
    const message = presentMessage(row);
    const visitor = (await repos.dialogs.visitorById(dialog.visitor_id))!;
    const who = visitorLabel(visitor);
    if (owed.sending) {
      log.warn({ chatId, messageId }, 'telegram: a forward was with Telegram unanswered when the server stopped');
      warnMissing(chatId, who, dialog.id);
      return store.forwardDone(chatId, messageId);
    }
    // Where the visitor writes from (the page of the visit's start before they said).
    const page = (visitor.current_url ? [visitor.current_title, visitor.current_url] : [visitor.page_title, visitor.page_url]).filter(Boolean).join(' — ');
    const files = message.attachments.length
      ? `📎 ${fileCount(message.attachments.length)}: ${message.attachments.map((a) => a.name).join(', ')}`
      : '';
    const fresh = message.seq === 1 ? `${TEXTS.newDialog}\n` : '';
    // Files without text: their line follows the header at once, with no empty body between.
    const content = [message.body, files].filter(Boolean).join('\n');
    // A long message (a visitor may write 10,000 characters) goes as several, each one a forward:
    // a reply to any of them answers the dialog.
    const parts = split(`${fresh}💬 ${who}${page ? `\n📄 ${page}` : ''}\n\n${content}`);
    const track: PostTracking = {
      sending: () => store.forwardSending(chatId, messageId, true),
      notSent: () => store.forwardSending(chatId, messageId, false),
    };
    const posted = (sent: TgMessage | null, clientId: string | null) =>
      store.forwardPosted(chatId, messageId, sent && { chat_id: chatId, tg_message_id: sent.message_id, kind: 'forward', dialog_id: dialog.id, client_id: clientId });
    try {
      // The files answer the message's first part.
      let first = owed.first_post;
      for (const part of parts.slice(owed.posted)) {
        const sent = await say(ctx, chatId, part, { track });
        first ??= sent.message_id;
        await posted(sent, message.clientId);
      }
      for (const a of message.attachments.slice(Math.max(0, owed.posted - parts.length))) {
        let sent: TgMessage | null;
        try {
          sent = await sendFile(chatId, a, first!, track);
        } catch (err) {
          if (ctx.isStopped() || (err instanceof TelegramNetworkError && err.sent)) throw err;
          // The file could not be uploaded: the chat gets its link instead.
          log.warn({ reason: (err as Error).message }, 'telegram: file upload failed, sending its link');
          sent = await say(ctx, chatId, fileLink(a), { replyTo: first!, track });
        }
        await posted(sent, null);
      }
    } catch (err) {
      if (ctx.isStopped()) throw err;
      // Refused, retried past an outage, or maybe posted without an answer: the chat hears that
      // a message may be missing (a message is never posted twice).
      log.warn({ reason: (err as Error).message, chatId }, 'telegram: forward failed');
      warnMissing(chatId, who, dialog.id);
    }
    await store.forwardDone(chatId, messageId);
  }

  /** 👌 on every reply of this message not marked yet; a "not delivered" notice says delivered. */
  async function showDelivered(dialogId: number, clientId: string): Promise<void> {
    for (const row of await store.repliesToMark(dialogId, clientId)) {
      disarm(row.chat_id, row.tg_message_id);
      try {
        await ctx.outbox.call(row.chat_id, 'setMessageReaction', {
          chat_id: row.chat_id,
          message_id: row.tg_message_id,
          reaction: [{ type: 'emoji', emoji: DELIVERED_REACTION }],
        });
      } catch (err) {
        if (ctx.isStopped()) throw err;
        // The deadline is disarmed: without a word the chat would show neither 👌 nor the notice.
        // A notice there is says it below; else a line under the answer does.
        log.warn({ reason: (err as Error).message }, 'telegram: could not set the delivered reaction');
        if (!row.notice_id) {
          say(ctx, row.chat_id, TEXTS.deliveredLate, { replyTo: row.tg_message_id, untilAnswered: true }).catch((e: Error) => {
            if (!ctx.isStopped()) log.warn({ reason: e.message }, 'telegram: could not say a reply was delivered');
          });
        }
      }
      if (row.notice_id) {
        await edit(ctx, row.chat_id, row.notice_id, TEXTS.deliveredLate).catch((err: Error) =>
          log.warn({ reason: err.message }, 'telegram: could not update a delivery notice'),
        );
      }
      await store.markShown(row.chat_id, row.tg_message_id);
    }
  }

  /** Past the deadline and still not delivered: the notice (new, or the old one again) with a resend button. */
  async function overdue(chatId: number, tgMessageId: number): Promise<void> {
    const row = await store.message(chatId, tgMessageId);
    if (!row?.client_id) return;
    const message = await repos.dialogs.messageByClientId(row.dialog_id, row.client_id);
    const dialog = await repos.dialogs.dialogById(row.dialog_id);
    if (!message || !dialog || message.delivered_at !== null) return;
    const text = TEXTS.undelivered(ctx.visitorOnline(dialog.visitor_id) ? TEXTS.whyUnconfirmed : TEXTS.whyOffline);
    const buttons = [[button('🔁 Resend', `resend:${tgMessageId}`)]];
    if (row.notice_id) {
      await edit(ctx, chatId, row.notice_id, text, buttons);
    } else {
      const notice = await say(ctx, chatId, text, { replyTo: tgMessageId, buttons });
      await store.setNotice(chatId, tgMessageId, notice.message_id);
    }
  }

  /** Arms the 5-second deadline of a reply (again, after a resend; what is left of it, after a restart). */
  function watch(chatId: number, tgMessageId: number, ms = DELIVERY_DEADLINE_MS): void {
    disarm(chatId, tgMessageId);
    const key = `${chatId}:${tgMessageId}`;
    const timer = ctx.deadlines.setTimeout(() => {
      deadlines.delete(key);
      ctx.inOrder('delivery deadline', () => overdue(chatId, tgMessageId));
    }, ms);
    deadlines.set(key, timer);
  }

  /**
   * At start: deadlines live in memory, so those of replies still waiting when the server
   * stopped are armed again from the stored replies (not shown delivered, no notice yet), by the
   * time the message was stored. Past their time, the notice comes now; delivered meanwhile, 👌.
   * Only recent replies (REARM_HORIZON_MS) of linked chats; a reply whose notice or mark fails
   * (a chat that blocked the bot) is settled, so it neither stops the others nor comes back at
   * every start.
   */
  async function rearm(): Promise<void> {
    await store.settleRepliesBefore(ctx.clock.now() - REARM_HORIZON_MS);
    for (const row of await store.repliesWaiting()) {
      try {
        const message = await repos.dialogs.messageByClientId(row.dialog_id, row.client_id!);
        if (!message) continue; // refused when sent: the chat was told then
        if (message.delivered_at !== null) {
          await showDelivered(row.dialog_id, row.client_id!);
          continue;
        }
        const left = message.created_at + DELIVERY_DEADLINE_MS - ctx.clock.now();
        if (left > 0) watch(row.chat_id, row.tg_message_id, left);
        else await overdue(row.chat_id, row.tg_message_id);
      } catch (err) {
        if (ctx.isStopped()) throw err;
        log.warn({ reason: (err as Error).message, chatId: row.chat_id }, 'telegram: delivery deadline not re-armed; settled');
        await store.markShown(row.chat_id, row.tg_message_id);
      }
    }
  }

  /** The resend button: the same clientId again (stored once, pushed again); what to answer the tap with. */
  async function resend(chatId: number, tgMessageId: number, auth: Auth): Promise<string> {
    const row = await store.message(chatId, tgMessageId);
    const message = row?.kind === 'reply' && row.client_id ? await repos.dialogs.messageByClientId(row.dialog_id, row.client_id) : undefined;
    const dialog = row ? await repos.dialogs.dialogById(row.dialog_id) : undefined;
    if (!row || !message || !dialog) return TEXTS.gone;
    if (message.delivered_at !== null) {
      ctx.inOrder('delivery mark', () => showDelivered(dialog.id, message.client_id));
      return 'It was delivered.';
    }
    if (row.notice_id) await edit(ctx, chatId, row.notice_id, TEXTS.resending);
    watch(chatId, tgMessageId);
    const { body, attachments } = presentMessage(message);
    await ctx.services.dialogs.operatorSend(auth, dialog.project_id, dialog.id, message.client_id, body, attachments.map((a) => a.id));
    return 'Sent again.';
  }

  /**
   * A colleague gave the operator a dialog, or it came to them from one who no longer answers in
   * the project: their chat hears of it, with its last message, since only later visitor
   * messages are forwarded.
   */
  async function announceAssignment(projectId: number, dialog: DialogSummary, how: HandsChange): Promise<void> {
    const assigneeId = dialog.assignee?.id;
    const link = (await store.linkedOperators(projectId)).find((op) => op.user_id === assigneeId);
    if (!link || dialog.status !== 'open') return;
    const who = visitorLabel({ name: dialog.visitor.name, real_name: dialog.visitor.realName });
    const lastMessage = dialog.lastMessage?.body ? dialog.lastMessage : null;
    const last = lastMessage ? `\n\n${lastMessage.author === 'visitor' ? '💬' : '↪️'} ${excerpt(lastMessage.body, 300)}` : '';
    const notice = how.by
      ? TEXTS.assigned(how.by.name, who)
      : how.from
        ? TEXTS.inherited(how.from.name, who)
        : how.waited
          ? TEXTS.waitedFor(who)
          : null;
    if (!notice) return;
    try {
      const sent = await say(ctx, link.chat_id, `${notice}${last}`, {
        buttons: [[button('Open the dialog', `open:${dialog.id}`)]],
      });
      // A reply to the notice answers that dialog, as a reply to a forward does.
      await store.remember({ chat_id: link.chat_id, tg_message_id: sent.message_id, kind: 'forward', dialog_id: dialog.id, client_id: null });
    } catch (err) {
      if (ctx.isStopped()) throw err;
      log.warn({ reason: (err as Error).message, userId: link.user_id }, 'telegram: assignment notice failed');
    }
  }

  /**
   * A forwarded dialog changed hands: the chats that got it (its forwards, its card, a notice),
   * but not the new assignee's nor the one of whoever acted, hear it once, so nobody answers in
   * the dark. Changes the bridge did not see forwarded say nothing, nor does a dialog left
   * unassigned, unless it was let go by one who no longer answers (it waits for the others).
   */
  async function announceHands(projectId: number, dialog: DialogSummary, how: HandsChange = {}): Promise<void> {
    const { by, from, waited } = how;
    const before = await store.assigneeKnown(dialog.id);
    const assignee = dialog.assignee;
    if (before === undefined || before === (assignee?.id ?? null)) return;
    await store.setAssigneeKnown(dialog.id, assignee?.id ?? null);
    if (!assignee && !from) return;
    const who = visitorLabel({ name: dialog.visitor.name, real_name: dialog.visitor.realName });
    // The first operator to answer an unassigned dialog gets it: that is the answer's own update.
    const answered = !by && !from && !waited && before === null && dialog.lastMessage?.author === 'operator';
    const text = !assignee
      ? TEXTS.releasedWaiting(from!.name, who)
      : by
        ? TEXTS.gaveTo(by.name, assignee.name, who)
        : from
          ? TEXTS.releasedTo(from.name, assignee.name, who)
          : waited
            ? TEXTS.waitedTo(assignee.name, who)
            : answered
              ? TEXTS.answeredBy(assignee.name, who)
              : TEXTS.tookBy(assignee.name, who);
    const operators = new Set((await store.linkedOperators(projectId)).map((op) => op.user_id));
    for (const chat of await store.chatsOfDialog(dialog.id)) {
      if (chat.user_id === assignee?.id || chat.user_id === by?.id || chat.user_id === from?.id || !operators.has(chat.user_id)) continue;
      try {
        const sent = await say(ctx, chat.chat_id, text, { buttons: [[button('Open the dialog', `open:${dialog.id}`)]] });
        // A reply to the notice answers the dialog, as a reply to its forwards does.
        await store.remember({ chat_id: chat.chat_id, tg_message_id: sent.message_id, kind: 'forward', dialog_id: dialog.id, client_id: null });
      } catch (err) {
        if (ctx.isStopped()) throw err;
        log.warn({ reason: (err as Error).message, userId: chat.user_id }, 'telegram: change of hands notice failed');
      }
    }
  }

  return {
    forwardOwed,
    announceHands,
    announceAssignment,
    showDelivered,
    watch,
    rearm,
    resend,
    stop() {
      for (const timer of deadlines.values()) ctx.deadlines.clearTimeout(timer);
      deadlines.clear();
    },
  };
}
