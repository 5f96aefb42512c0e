// Incoming: what an operator does in their linked chat. Replies to forwarded messages (text,
// photos, files) become their messages in that dialog under the delivery contract, with a
// clientId derived from the Telegram message so a repeated update posts once; edits of those
// replies edit the message in the widget (within 10 minutes, by the server clock); commands and
// the inline buttons list, open, take and close dialogs, send templates, write private notes
// (which never reach the visitor), resend, and switch the operator online or offline. Unlinked
// chats get an explanation and nothing else.
import { formatSize } from '../../core/format-size.js';
import { fillTemplate, placeholderValues } from '../../core/templates.js';
import type { DialogRow } from '../db/dialogs.js';
import { AppError } from '../errors.js';
import { sha256 } from '../secrets.js';
import type { Auth } from '../services/accounts.js';
import { presentMessage } from '../services/present.js';
import { MAX_DOWNLOAD_BYTES, TelegramApiError } from './api.js';
import { clientIdFor, type SentBy } from './ids.js';
import { type BridgeContext, edit, say } from './context.js';
import type { Relay } from './relay.js';
import type { LinkRow } from './store.js';
import { button, clip, excerpt, tail, TEXTS, visitorLabel } from './texts.js';
import type { TgCallbackQuery, TgFile, TgInlineButton, TgLocation, TgMessage, TgUpdate } from './types.js';


/** Dialogs listed by /dialogs per project, and messages shown when one is opened. */
const LIST_LIMIT = 10;
const CARD_MESSAGES = 10;

interface Operator {
  link: LinkRow;
  auth: Auth;
}

/**
 * The file a message carries, and the name it gets in the dialog. A still sticker is a WebP
 * image, which the widget shows; an animated or video one (Lottie, WebM) would not show, so it
 * goes as its emoji (textOf).
 */
function fileOf(m: TgMessage): { file: TgFile; name: string } | null {
  const sticker = m.sticker && !m.sticker.is_animated && !m.sticker.is_video ? m.sticker : undefined;
  const file = m.document ?? m.video ?? m.video_note ?? m.audio ?? m.voice ?? m.animation ?? m.photo?.[m.photo.length - 1] ?? sticker;
  if (!file) return null;
  const fallback = m.photo ? 'photo.jpg' : m.voice ? 'voice.ogg' : m.video || m.video_note ? 'video.mp4' : sticker ? 'sticker.webp' : 'file';
  return { file, name: file.file_name?.trim() || fallback };
}

/** A map link a visitor can open anywhere. */
const mapLink = ({ latitude, longitude }: TgLocation) => {
  const [lat, lon] = [latitude.toFixed(6), longitude.toFixed(6)];
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
};

/** What the bot does for "/name" (anything else starting with a slash is text). */
const COMMANDS = new Set(['start', 'unlink', 'online', 'offline', 'status', 'dialogs', 'find', 'take', 'close', 'reopen', 'tpl', 'note', 'help']);
const COMMAND = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i;
const commandName = (text: string) => COMMAND.exec(text)?.[1].toLowerCase();

/**
 * A photo or file captioned "/note …": a note with that file. Only /note is read from a caption
 * (other commands there are a caption, as before), since a note's caption sent as the file's
 * would give the visitor what was meant for colleagues.
 */
function noteCaption(m: TgMessage): RegExpExecArray | null {
  const command = m.text === undefined && m.caption ? COMMAND.exec(m.caption.trim()) : null;
  return command?.[1].toLowerCase() === 'note' ? command : null;
}

/** Albums whose caption made them notes, remembered for their other items; the oldest go first beyond this. */
const NOTE_ALBUMS_KEPT = 1000;

/** A note's text as edited: "/note" is the command, not the note, when the edit keeps it. */
function noteText(text: string): string {
  const command = COMMAND.exec(text);
  return command?.[1].toLowerCase() === 'note' ? (command[2] ?? '').trim() : text;
}

/**
 * The text a message without a file sends: its text; else what a location, a venue, a shared
 * contact or an animated sticker says in words; else null (nothing a visitor could be shown).
 */
function textOf(m: TgMessage): string | null {
  if (m.text?.trim()) return m.text;
  if (m.venue) return `📍 ${m.venue.title}, ${m.venue.address}\n${mapLink(m.venue.location)}`;
  if (m.location) return `📍 ${mapLink(m.location)}`;
  if (m.contact) return `👤 ${[m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ')}: ${m.contact.phone_number}`;
  if (m.sticker?.emoji) return m.sticker.emoji;
  return null;
}

export function createChat(ctx: BridgeContext, relay: Relay) {
  const { repos, services, store, log } = ctx;
  /**
   * Albums (chat and media_group_id) sent as a note. Telegram gives an album's caption to one
   * item (the first, as its apps send it) and delivers each item as a message of its own: the
   * others, without a caption, are files of the same note, never replies to the visitor.
   */
  const noteAlbums = new Set<string>();
  const albumOf = (m: TgMessage) => (m.media_group_id ? `${m.chat.id}:${m.media_group_id}` : null);
  /** "/note" for a message of an album a caption made a note (remembered here), else null. */
  function albumNote(m: TgMessage): RegExpExecArray | null {
    const album = albumOf(m);
    if (!album) return null;
    const note = noteCaption(m);
    if (note) {
      noteAlbums.add(album);
      if (noteAlbums.size > NOTE_ALBUMS_KEPT) noteAlbums.delete(noteAlbums.values().next().value!);
      return note;
    }
    return m.caption === undefined && noteAlbums.has(album) ? COMMAND.exec('/note') : null;
  }

  async function operatorOf(chatId: number): Promise<Operator | null> {
    const link = await store.linkOfChat(chatId);
    const user = link ? await repos.users.byId(link.user_id) : undefined;
    if (!link || !user || user.disabled_at !== null) return null;
    return { link, auth: { user, credentialId: 0, kind: 'api' } };
  }

  async function handle(update: TgUpdate): Promise<void> {
    if (update.callback_query) return callback(update.callback_query);
    if (update.edited_message) return edited(update.edited_message);
    const m = update.message;
    if (!m || m.chat.type !== 'private') return;
    const chatId = m.chat.id;
    const command = COMMAND.exec((m.text ?? '').trim()) ?? albumNote(m) ?? noteCaption(m);
    const name = command?.[1].toLowerCase();
    const arg = command?.[2]?.trim() ?? '';
    if (name === 'start' && arg) return linkChat(chatId, arg);

    const op = await operatorOf(chatId);
    if (!op) {
      await say(ctx, chatId, TEXTS.unlinked);
      return;
    }
    try {
      // In a reply, "/s typo..." is an answer that happens to start with a slash, not a command.
      if (command && (COMMANDS.has(name!) || !m.reply_to_message)) return await run(op, m, name!, arg);
      if (!m.reply_to_message) {
        await say(ctx, chatId, TEXTS.replyHint, { replyTo: m.message_id });
        return;
      }
      await answer(op, m);
    } catch (err) {
      // What the server refused (no longer a member, the dialog gone…) is said in the chat.
      if (!(err instanceof AppError)) throw err;
      await say(ctx, chatId, `⚠️ ${err.message}`, { replyTo: m.message_id });
    }
  }

  async function run(op: Operator, m: TgMessage, name: string, arg: string): Promise<void> {
    const chatId = op.link.chat_id;
    const { user } = op.auth;
    switch (name) {
      case 'unlink':
        await store.unlinkChat(chatId);
        await say(ctx, chatId, TEXTS.unlinkedNow);
        return;
      case 'start':
        await say(ctx, chatId, TEXTS.linked(`${user.first_name} ${user.last_name}`, user.email));
        return;
      case 'online':
      case 'offline':
      case 'status':
        await say(ctx, chatId, await presence(op.auth, name));
        return;
      case 'dialogs':
        return listDialogs(op);
      case 'find':
        return find(op, arg);
      case 'take':
      case 'close':
      case 'reopen': {
        const dialog = await targetOf(op, m);
        if (dialog) await change(op, dialog, name);
        return;
      }
      case 'tpl': {
        // The list needs no dialog: it is every project's the operator answers in.
        if (!arg) return listTemplates(op);
        const dialog = await targetOf(op, m);
        if (dialog) await template(op, m, dialog, arg);
        return;
      }
      case 'note': {
        const attached = fileOf(m);
        if (!arg && !attached) {
          await say(ctx, chatId, TEXTS.noteWhat, { replyTo: m.message_id });
          return;
        }
        const dialog = await targetOf(op, m);
        if (!dialog) return;
        if (attached) await answerWithFile(op, m, dialog, attached, 'note', arg);
        else await send(op, m.message_id, dialog, arg, [], 'note');
        return;
      }
      case 'help':
        await say(ctx, chatId, TEXTS.help);
        return;
      default:
        await say(ctx, chatId, `${TEXTS.unknownCommand(name)}\n\n${TEXTS.help}`);
    }
  }

  /**
   * What a reply refers to: a forward (or card, or notice) of the bot, or an answer. Looked up at
   * once, so an answer never waits for the bot's outgoing queue (other visitors' forwards, a
   * 429): the visitor gets it within the delivery contract. Only a message not found may be a
   * forward still being recorded: then it is looked up again once what is queued went out.
   */
  async function repliedTo(chatId: number, m: TgMessage) {
    const id = m.reply_to_message!.message_id;
    const found = await store.message(chatId, id);
    if (found) return found;
    await ctx.settled();
    return store.message(chatId, id);
  }

  /** The dialog a command is about: of the message it replies to, else the one opened last. */
  async function targetOf(op: Operator, m: TgMessage): Promise<DialogRow | null> {
    const chatId = op.link.chat_id;
    let dialogId = op.link.current_dialog_id;
    if (m.reply_to_message) {
      dialogId = (await repliedTo(chatId, m))?.dialog_id ?? null;
      if (dialogId === null) {
        await say(ctx, chatId, TEXTS.notForwarded, { replyTo: m.message_id });
        return null;
      }
    }
    const dialog = dialogId === null ? undefined : await repos.dialogs.dialogById(dialogId);
    if (!dialog) {
      await say(ctx, chatId, dialogId === null ? TEXTS.noDialog : TEXTS.gone, { replyTo: m.message_id });
      return null;
    }
    return dialog;
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
    const outcome = await store.useCode(sha256(code), chatId, ctx.clock.now());
    if (!outcome.ok) {
      await say(ctx, chatId, TEXTS.badCode[outcome.why]);
      return;
    }
    const user = (await repos.users.byId(outcome.userId))!;
    log.info({ userId: user.id }, 'telegram: chat linked');
    if (outcome.replacedChat !== null) await say(ctx, outcome.replacedChat, TEXTS.unlinkedNow).catch(() => undefined);
    const previous = outcome.previousUser === null ? undefined : await repos.users.byId(outcome.previousUser);
    const linked = TEXTS.linked(`${user.first_name} ${user.last_name}`, user.email);
    await say(ctx, chatId, previous ? `${TEXTS.relinked(`${previous.first_name} ${previous.last_name}`, previous.email)}\n\n${linked}` : linked);
  }

  // ---- answering ---------------------------------------------------------------------

  /**
   * Sends `body` (and files) to the dialog as the operator's message for Telegram message
   * `tgMessageId`; for a note (/note), stores it as their private note, which has no delivery to
   * wait for: the chat is told where it went instead.
   */
  async function send(op: Operator, tgMessageId: number, dialog: DialogRow, body: string, attachmentIds: number[] = [], sentBy: SentBy = 'reply') {
    const chatId = op.link.chat_id;
    const clientId = clientIdFor(chatId, tgMessageId, sentBy);
    const note = sentBy === 'note';
    // Remembered before sending, so an ack that comes back at once finds it.
    await store.remember({ chat_id: chatId, tg_message_id: tgMessageId, kind: 'reply', dialog_id: dialog.id, client_id: clientId, settled: note });
    let delivered: boolean;
    try {
      const { message } = await services.dialogs.operatorSend(op.auth, dialog.project_id, dialog.id, clientId, body, attachmentIds, { private: note });
      delivered = message.deliveredAt !== null;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await say(ctx, chatId, TEXTS.notSent(err.message), { replyTo: tgMessageId });
      return;
    }
    await store.setCurrentDialog(chatId, dialog.id);
    if (note) {
      const visitor = (await repos.dialogs.visitorById(dialog.visitor_id))!;
      await say(ctx, chatId, TEXTS.noteStored(visitorLabel(visitor)), { replyTo: tgMessageId });
    } else if (delivered) ctx.inOrder('delivery mark', () => relay.showDelivered(dialog.id, clientId));
    else relay.watch(chatId, tgMessageId);
  }

  /** The operator's reply to a forwarded message: their message in that dialog. */
  async function answer(op: Operator, m: TgMessage): Promise<void> {
    const chatId = op.link.chat_id;
    const target = await repliedTo(chatId, m);
    if (!target) {
      await say(ctx, chatId, TEXTS.notForwarded, { replyTo: m.message_id });
      return;
    }
    // A reply to one's own /note may be meant as more of the note: it is not sent to the visitor.
    if (target.kind === 'reply' && target.client_id === clientIdFor(chatId, target.tg_message_id, 'note')) {
      await say(ctx, chatId, TEXTS.notSent(TEXTS.replyToNote), { replyTo: m.message_id });
      return;
    }
    const dialog = await repos.dialogs.dialogById(target.dialog_id);
    if (!dialog) {
      await say(ctx, chatId, TEXTS.notSent(TEXTS.gone), { replyTo: m.message_id });
      return;
    }
    const attached = fileOf(m);
    if (attached) return answerWithFile(op, m, dialog, attached, 'reply', m.caption ?? '');
    const text = textOf(m);
    if (text === null) {
      await say(ctx, chatId, TEXTS.unsupported, { replyTo: m.message_id });
      return;
    }
    await send(op, m.message_id, dialog, text);
  }

  /**
   * A photo or file: fetched from Telegram (getFile), stored as the operator's attachment, sent
   * with `caption` (a reply's caption, or a note's text after /note).
   */
  async function answerWithFile(
    op: Operator,
    m: TgMessage,
    dialog: DialogRow,
    attached: { file: TgFile; name: string },
    sentBy: 'reply' | 'note',
    caption: string,
  ) {
    const chatId = op.link.chat_id;
    const notSent = (why: string) => say(ctx, chatId, why, { replyTo: m.message_id });
    // Handled before (the update came again): the stored message is sent again, not a new file.
    const stored = await repos.dialogs.messageByClientId(dialog.id, clientIdFor(chatId, m.message_id, sentBy));
    if (stored) return send(op, m.message_id, dialog, stored.body, presentMessage(stored).attachments.map((a) => a.id), sentBy);

    const projects = await repos.projects.forUser(op.auth.user.id);
    if (!projects.some((p) => p.id === dialog.project_id && p.operator)) {
      await notSent(TEXTS.notSent('you are not an operator in that project'));
      return;
    }
    const limit = Math.min(MAX_DOWNLOAD_BYTES, ctx.uploadMaxBytes);
    if ((attached.file.file_size ?? 0) > limit) {
      await notSent(TEXTS.tooBig(formatSize(limit)));
      return;
    }
    let bytes: Buffer;
    try {
      const info = await ctx.outbox.call<{ file_path?: string }>(chatId, 'getFile', { file_id: attached.file.file_id });
      if (!info.file_path) throw new TelegramApiError('getFile', 400, 'no file_path', null);
      bytes = await ctx.api.download(info.file_path, limit);
    } catch (err) {
      if (ctx.isStopped()) throw err;
      if (err instanceof TelegramApiError && err.errorCode === 413) {
        await notSent(TEXTS.tooBig(formatSize(limit)));
        return;
      }
      log.warn({ reason: (err as Error).message }, 'telegram: file download failed');
      await notSent(TEXTS.notSent('the file could not be fetched from Telegram; send it again'));
      return;
    }
    const row = await services.attachments.store(
      { projectId: dialog.project_id, visitorId: dialog.visitor_id, by: 'operator' },
      { bytes, name: attached.name },
    );
    await send(op, m.message_id, dialog, caption, [row.id], sentBy);
  }

  /** An edit of a reply: the message in the widget changes too (within 10 minutes). */
  async function edited(m: TgMessage): Promise<void> {
    if (m.chat.type !== 'private') return;
    const op = await operatorOf(m.chat.id);
    if (!op) return;
    const row = await store.message(m.chat.id, m.message_id);
    const text = (m.text ?? m.caption ?? '').trim();
    // A /note that stored a note: the edit is the note's new text (the visitor sees nothing of it).
    if (row?.kind === 'reply' && row.client_id === clientIdFor(m.chat.id, m.message_id, 'note')) return editNote(op, row, noteText(text), m);
    // A command acts when it is sent: an edit runs no command, and does not turn what a /tpl sent
    // (the template, its clientId marks it) into the command's new text. The chat is told, so a
    // fixed typo is sent again rather than waited for.
    const sentByCommand = row?.kind === 'reply' && row.client_id !== clientIdFor(m.chat.id, m.message_id);
    if (COMMANDS.has(commandName(text) ?? '') || sentByCommand) {
      await say(ctx, m.chat.id, TEXTS.commandNotEdited, { replyTo: m.message_id });
      return;
    }
    // Only replies are messages in a dialog.
    if (row?.kind !== 'reply' || !row.client_id || !text) return;
    const message = await repos.dialogs.messageByClientId(row.dialog_id, row.client_id);
    const dialog = await repos.dialogs.dialogById(row.dialog_id);
    if (!message || !dialog) return;
    try {
      await services.dialogs.edit(op.auth, dialog.project_id, message.id, text);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await say(ctx, m.chat.id, TEXTS.notEdited(err.message), { replyTo: m.message_id });
    }
  }

  /** The operator's edit of the /note that stored a note: the note changes (within 10 minutes, as a message would). */
  async function editNote(op: Operator, row: { dialog_id: number; client_id: string | null }, text: string, m: TgMessage): Promise<void> {
    const message = await repos.dialogs.messageByClientId(row.dialog_id, row.client_id!);
    const dialog = await repos.dialogs.dialogById(row.dialog_id);
    if (!message || !dialog || !text) return;
    try {
      await services.dialogs.edit(op.auth, dialog.project_id, message.id, text);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await say(ctx, m.chat.id, TEXTS.notEdited(err.message), { replyTo: m.message_id });
    }
  }

  // ---- dialogs -----------------------------------------------------------------------

  async function listDialogs(op: Operator): Promise<void> {
    const projects = (await repos.projects.forUser(op.auth.user.id)).filter((p) => p.operator);
    if (projects.length === 0) {
      await say(ctx, op.link.chat_id, TEXTS.noProjects);
      return;
    }
    const lines: string[] = [];
    const buttons: TgInlineButton[][] = [];
    for (const p of projects) {
      const { dialogs, counts } = await services.dialogs.list(op.auth, p.id, 'mine', LIST_LIMIT);
      if (dialogs.length === 0) continue;
      lines.push('', `${p.name}: ${counts.mine} open${counts.mine > dialogs.length ? ` (the ${dialogs.length} latest)` : ''}`);
      for (const d of dialogs) {
        const who = visitorLabel({ name: d.visitor.name, real_name: d.visitor.realName });
        const last = d.lastMessage ? `: ${excerpt(d.lastMessage.body || '📎', 60)}` : '';
        lines.push(`• ${who}${last}`);
        buttons.push([button(clip(projects.length > 1 ? `${who} · ${p.name}` : who, 60), `open:${d.id}`)]);
      }
    }
    if (buttons.length === 0) {
      await say(ctx, op.link.chat_id, TEXTS.noDialogs);
      return;
    }
    await say(ctx, op.link.chat_id, `Your open dialogs:${lines.join('\n')}`, { buttons });
  }

  /** Dialogs matching `text` in every project the operator answers in, with buttons to open them. */
  async function find(op: Operator, text: string): Promise<void> {
    const chatId = op.link.chat_id;
    if (!text) return void (await say(ctx, chatId, TEXTS.findWhat));
    if (text.length > 100) return void (await say(ctx, chatId, TEXTS.findTooLong));
    const projects = (await repos.projects.forUser(op.auth.user.id)).filter((p) => p.operator);
    const lines: string[] = [];
    const buttons: TgInlineButton[][] = [];
    for (const p of projects) {
      const { results, more } = await services.dialogs.search(op.auth, p.id, text, LIST_LIMIT);
      if (results.length === 0) continue;
      lines.push('', `${p.name}: ${results.length}${more ? '+' : ''} found`);
      for (const { dialog: d, match } of results) {
        const who = visitorLabel({ name: d.visitor.name, real_name: d.visitor.realName });
        lines.push(`• ${who} (${d.view}): ${match.field === 'privateNote' ? '🔒 ' : ''}${excerpt(match.text, 60)}`);
        buttons.push([button(clip(projects.length > 1 ? `${who} · ${p.name}` : who, 60), `open:${d.id}`)]);
      }
    }
    if (buttons.length === 0) return void (await say(ctx, chatId, TEXTS.foundNothing(text)));
    await say(ctx, chatId, `Dialogs matching "${text}":${lines.join('\n')}`, { buttons });
  }

  /**
   * A dialog's card as the operator sees it now: who, where, whose, its latest messages, and the
   * buttons that fit its state. Undefined for a dialog that is gone.
   */
  async function cardOf(op: Operator, dialogId: number): Promise<{ text: string; buttons: TgInlineButton[][] } | undefined> {
    const row = await repos.dialogs.dialogById(dialogId);
    if (!row) return undefined;
    const { dialog, messages } = await services.dialogs.detail(op.auth, row.project_id, row.id, CARD_MESSAGES);
    const visitor = (await repos.dialogs.visitorById(row.visitor_id))!;
    const project = await repos.projects.byId(row.project_id);
    const me = op.auth.user.id;
    // Where the visitor writes from (the page of the visit's start before they said).
    const page = (visitor.current_url ? [visitor.current_title, visitor.current_url] : [visitor.page_title, visitor.page_url]).filter(Boolean).join(' — ');
    const whose =
      dialog.status === 'closed'
        ? 'Closed'
        : dialog.assignee
          ? dialog.assignee.id === me
            ? 'Yours'
            : `Assigned to ${dialog.assignee.name}`
          : 'Waiting for an operator';
    const lines = messages.map((msg) => {
      const author = msg.author === 'visitor' ? visitor.name : msg.author === 'operator' ? (msg.operator?.id === me ? 'You' : (msg.operator?.name ?? 'Operator')) : '·';
      const files = msg.attachments.length ? ` 📎 ${msg.attachments.map((a) => a.name).join(', ')}` : '';
      return `${msg.private ? TEXTS.noteBy(author) : author}: ${excerpt(msg.body, 300)}${files}`;
    });
    const text = [
      `💬 ${visitorLabel(visitor)} · ${project?.name ?? ''}`,
      ...(page ? [`📄 ${page}`] : []),
      whose,
      '',
      ...lines,
      '',
      'Reply to this message to answer; reply with /note TEXT for a private note.',
    ].join('\n');
    const actions: TgInlineButton[] = [];
    // Take names whose the card shows the dialog to be (0: nobody's): taken by someone else since,
    // the tap is refused with who has it, rather than taking it from them unawares.
    if (dialog.status === 'open' && dialog.assignee?.id !== me) actions.push(button('✋ Take', `take:${row.id}:${dialog.assignee?.id ?? 0}`));
    actions.push(dialog.status === 'open' ? button('✅ Close', `close:${row.id}`) : button('↩️ Reopen', `reopen:${row.id}`));
    // The top of a long dialog gives way: the newest messages and the end of the card stay.
    return { text: text.length > 4096 ? `…${tail(text, 4095)}` : text, buttons: [actions] };
  }

  /** Sends a dialog's card; replying to it answers the dialog. */
  async function open(op: Operator, dialogId: number): Promise<void> {
    const chatId = op.link.chat_id;
    const card = await cardOf(op, dialogId);
    if (!card) {
      await say(ctx, chatId, TEXTS.gone);
      return;
    }
    const sent = await say(ctx, chatId, card.text, { buttons: card.buttons });
    await store.remember({ chat_id: chatId, tg_message_id: sent.message_id, kind: 'forward', dialog_id: dialogId, client_id: null });
    await store.setCurrentDialog(chatId, dialogId);
  }

  /**
   * A card whose button was tapped shows the dialog's state after it (Take gone once it is
   * yours, Reopen after Close): a second tap on a stale button would repeat what is done.
   */
  async function refreshCard(op: Operator, messageId: number, dialogId: number): Promise<void> {
    const card = await cardOf(op, dialogId);
    if (!card) return;
    await edit(ctx, op.link.chat_id, messageId, card.text, card.buttons).catch((err: Error) =>
      log.warn({ reason: err.message }, 'telegram: refreshing a dialog card failed'),
    );
  }

  /** `from`, for a take: whose the operator saw the dialog to be (null: nobody's); none: unconditional. */
  async function change(op: Operator, dialog: DialogRow, kind: 'take' | 'close' | 'reopen', from?: number | null): Promise<void> {
    const d = await services.dialogs.change(op.auth, dialog.project_id, dialog.id, kind === 'take' ? { kind, from } : { kind });
    const who = visitorLabel({ name: d.visitor.name, real_name: d.visitor.realName });
    await store.setCurrentDialog(op.link.chat_id, dialog.id);
    await say(ctx, op.link.chat_id, kind === 'take' ? TEXTS.took(who) : kind === 'close' ? TEXTS.closed(who) : TEXTS.reopened(who));
  }

  /** /tpl alone: the templates' names, of every project the operator answers in. */
  async function listTemplates(op: Operator): Promise<void> {
    const projects = (await repos.projects.forUser(op.auth.user.id)).filter((p) => p.operator);
    if (projects.length === 0) {
      await say(ctx, op.link.chat_id, TEXTS.noProjects);
      return;
    }
    const lists: Array<{ project: string; names: string[] }> = [];
    for (const p of projects) lists.push({ project: p.name, names: (await services.templates.list(op.auth, p.id)).map((t) => t.name) });
    await say(ctx, op.link.chat_id, TEXTS.templates(lists));
  }

  /** /tpl NAME: the template, placeholders filled, as the operator's message. */
  async function template(op: Operator, m: TgMessage, dialog: DialogRow, name: string): Promise<void> {
    const chatId = op.link.chat_id;
    const templates = await services.templates.list(op.auth, dialog.project_id);
    const names = templates.map((t) => t.name);
    const chosen = templates.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!chosen) {
      await say(ctx, chatId, TEXTS.noTemplate(name, names), { replyTo: m.message_id });
      return;
    }
    const visitor = (await repos.dialogs.visitorById(dialog.visitor_id))!;
    const project = await repos.projects.byId(dialog.project_id);
    const { user } = op.auth;
    const values = placeholderValues({
      visitor: { name: visitor.name, realName: visitor.real_name },
      operator: { firstName: user.first_name, lastName: user.last_name },
      project: project ? { name: project.name } : null,
    });
    await send(op, m.message_id, dialog, fillTemplate(chosen.text, values), [], 'template');
  }

  // ---- buttons -----------------------------------------------------------------------

  async function callback(q: TgCallbackQuery): Promise<void> {
    const chatId = q.message?.chat.type === 'private' ? q.message.chat.id : null;
    let answerText = '';
    try {
      const op = chatId === null ? null : await operatorOf(chatId);
      // take:ID:SEEN (whose the card showed it to be); take:ID on cards sent before that.
      const [, action, id, seen] = /^(resend|open|take|close|reopen):(\d{1,15})(?::(\d{1,15}))?$/.exec(q.data ?? '') ?? [];
      if (!op) {
        if (chatId !== null) await say(ctx, chatId, TEXTS.unlinked);
      } else if (action === 'resend') {
        // The notice tapped may still be being recorded (just sent): its reply is read once it is.
        const reply = await store.message(op.link.chat_id, Number(id));
        if (q.message && reply?.notice_id !== q.message.message_id) await ctx.settled();
        answerText = await relay.resend(op.link.chat_id, Number(id), op.auth);
      } else if (action === 'open') {
        await open(op, Number(id));
      } else if (action) {
        const dialog = await repos.dialogs.dialogById(Number(id));
        if (dialog) {
          const from = action === 'take' && seen !== undefined ? Number(seen) || null : undefined;
          try {
            await change(op, dialog, action as 'take' | 'close' | 'reopen', from);
          } catch (err) {
            // Taken by someone else since the card was drawn: the answer says who, the card shows it.
            if (!(err instanceof AppError && err.status === 409)) throw err;
            answerText = err.message;
          }
          if (q.message) await refreshCard(op, q.message.message_id, dialog.id);
        } else answerText = TEXTS.gone;
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      answerText = err.message;
    } finally {
      // Telegram shows a spinner on the button until the tap is answered.
      await ctx.outbox
        .call(chatId ?? q.from.id, 'answerCallbackQuery', { callback_query_id: q.id, ...(answerText ? { text: clip(answerText, 200) } : {}) })
        .catch((err: Error) => log.warn({ reason: err.message }, 'telegram: answerCallbackQuery failed'));
    }
  }

  return { handle };
}
