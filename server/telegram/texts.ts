// What the bot says. Everything is sent as plain text (no parse_mode), so whatever visitors and
// operators typed shows as typed and nothing in it is markup.
import type { TgInlineButton } from './types.js';

/** The Bot API's longest message text. */
export const MAX_TEXT = 4096;

// Lengths are UTF-16 units, as the Bot API counts them. A cut never halves a character (an emoji
// is two units): Telegram refuses a string with half of one ("strings must be encoded in UTF-8").
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The first at most `max` units of `text`, ending on a whole character. */
export function head(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max);
}

/** The last at most `max` units of `text`, starting on a whole character. */
export function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  const start = text.length - max;
  return text.slice(isLowSurrogate(text.charCodeAt(start)) ? start + 1 : start);
}

/** `text` cut to `max` units, with an ellipsis when cut. */
export const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${head(text, max - 1)}…` : text);

/**
 * `text` as messages of at most `max` units each, cut after a line or a word where one ends in
 * the second half of a part, else between characters: nothing of it is left out.
 */
export function split(text: string, max = MAX_TEXT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const part = head(rest, max);
    const atLine = part.lastIndexOf('\n');
    const atSpace = part.lastIndexOf(' ');
    const cut = atLine >= max / 2 ? atLine + 1 : atSpace >= max / 2 ? atSpace + 1 : part.length;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  // Telegram refuses a message of blanks: the spaces or lines that end a text go with it.
  if (rest.trim() || parts.length === 0) parts.push(rest);
  return parts;
}

/** One line of a message for lists and cards: newlines folded, cut to `max`. */
export const excerpt = (text: string, max = 80) => clip(text.replace(/\s+/g, ' ').trim(), max);

/** "Blue Fox" or "Anna Petrova (Blue Fox)" once the card has a real name. */
export const visitorLabel = (v: { name: string; real_name?: string | null }) => (v.real_name ? `${v.real_name} (${v.name})` : v.name);

export const fileCount = (n: number) => (n === 1 ? '1 file' : `${n} files`);


export const button = (text: string, data: string): TgInlineButton => ({ text, callback_data: data });

const STILL_YOURS = 'Its new messages go to them; a reply of yours here still goes to the visitor.';

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
  unlinkedByReset:
    "This chat is no longer linked to Parley: the account's password was reset, which ends its Telegram link. Run \"parley telegram link\" to link it again.",
  relinked: (name: string, email: string) => `This chat was linked to ${name} (${email}); that link has ended.`,
  help: [
    'Visitor messages from your My messages arrive here.',
    'Reply to one (swipe it, or Reply) to answer that visitor, with text, a photo or a file; 👌 appears when the visitor has seen your answer. Edit your answer within 10 minutes and the visitor sees the new text.',
    '/dialogs: your open dialogs, with buttons to open one',
    '/find TEXT: dialogs whose visitor (name, email, phone, notes), messages or private notes match TEXT, closed ones too',
    '/take, /close, /reopen: take, close or reopen the dialog (reply to one of its messages, or the one opened last)',
    '/tpl NAME: send a reply template to that dialog; /tpl alone lists them',
    '/note TEXT: a private note in that dialog for your colleagues; the visitor never sees it (a photo or file captioned /note TEXT is one too; edit it within 10 minutes to change it)',
    '/online, /offline: your switch in every project you answer in (the widget shows its tab while someone is online)',
    '/status: whether you are online, and why',
    '/unlink: stop receiving chats here',
    '/help: this text',
  ].join('\n'),
  noProjects: 'You are an operator in no project.',
  replyHint: 'To answer a visitor, reply to the message of theirs that the bot forwarded. /help',
  notForwarded: 'That message is not a forwarded visitor message: reply to one the bot sent. /help',
  unknownCommand: (name: string) => `There is no command /${name}.`,
  unsupported: 'This kind of message cannot be sent to a visitor: send text, photos, files, stickers, a location or a contact.',
  notSent: (why: string) => `Not sent: ${why}`,
  notEdited: (why: string) => `Not edited: ${why}`,
  commandNotEdited: 'Edits of commands are not applied; send the command again.',
  noDialog: 'Which dialog? Reply to one of its messages with the command, or open one from /dialogs.',
  noDialogs: 'No open dialogs in your My messages.',
  findWhat: 'Find what? /find followed by a name, an email, a phone number or words of a message.',
  findTooLong: 'Search for at most 100 characters.',
  foundNothing: (text: string) => `No dialog matches "${text}".`,
  noteWhat: 'Note what? /note followed by the text for your colleagues (the visitor never sees it), or a photo or file captioned /note TEXT.',
  replyToNote: 'that is your private note, and a reply to it does not go to the visitor. Reply to a message of the dialog to answer, or send /note TEXT to add a note.',
  noteStored: (who: string) => `🔒 Private note stored in the dialog with ${who}: only operators see it.`,
  /** A private note among a dialog's messages on its card: who wrote it, marked as what it is. */
  noteBy: (author: string) => `🔒 ${author} (private note)`,
  gone: 'That dialog no longer exists.',
  newDialog: '🆕 New dialog',
  undelivered: (why: string) => `⚠️ Not delivered within 5 seconds: ${why}.`,
  whyOffline: "the visitor's site is closed (they get it when they come back)",
  whyUnconfirmed: "the visitor's widget did not confirm it",
  deliveredLate: '✅ Delivered.',
  resending: '🔁 Sent again; waiting for the visitor…',
  olderNotForwarded: (n: number) =>
    `📭 ${n === 1 ? '1 visitor message' : `${n} visitor messages`} from more than an hour ago came while the bridge was off and ${n === 1 ? 'is' : 'are'} not forwarded: /dialogs shows them.`,
  unknownFate: (who: string) =>
    `⚠️ Telegram did not confirm a message from ${who}: it may be missing above. Open the dialog to see it.`,
  tooBig: (limit: string) => `Not sent: files from Telegram may be at most ${limit}.`,
  took: (who: string) => `✋ The dialog with ${who} is yours.`,
  assigned: (by: string, who: string) => `👤 ${by} gave you the dialog with ${who}.`,
  inherited: (from: string, who: string) => `👤 The dialog with ${who} is yours now: ${from} no longer answers in this project.`,
  waitedFor: (who: string) => `👤 The dialog with ${who} is yours now: it was waiting for an operator.`,
  // To colleagues who got a dialog that changed hands: their replies still reach the visitor.
  answeredBy: (name: string, who: string) => `↪️ ${name} answered ${who}; the dialog is theirs now. ${STILL_YOURS}`,
  tookBy: (name: string, who: string) => `↪️ ${name} took the dialog with ${who}. ${STILL_YOURS}`,
  gaveTo: (by: string, name: string, who: string) => `↪️ ${by} gave the dialog with ${who} to ${name}. ${STILL_YOURS}`,
  releasedTo: (from: string, name: string, who: string) =>
    `↪️ ${from} no longer answers in this project: the dialog with ${who} went to ${name}. ${STILL_YOURS}`,
  waitedTo: (name: string, who: string) => `↪️ The dialog with ${who}, waiting for an operator, went to ${name}. ${STILL_YOURS}`,
  releasedWaiting: (from: string, who: string) =>
    `↪️ ${from} no longer answers in this project: the dialog with ${who} waits for an operator; a reply of yours here takes it.`,
  closed: (who: string) => `✅ The dialog with ${who} is closed.`,
  reopened: (who: string) => `↩️ The dialog with ${who} is open again.`,
  noTemplate: (name: string, names: string[]) =>
    names.length ? `No template "${name}". Templates: ${names.join(', ')}` : `No template "${name}": this project has no templates.`,
  /** The templates of the operator's projects (one project: its names, one a line). */
  templates: (lists: Array<{ project: string; names: string[] }>) => {
    const head = 'Templates (send one with /tpl NAME):';
    if (lists.length === 1) return lists[0].names.length ? `${head}\n${lists[0].names.join('\n')}` : 'This project has no templates.';
    const some = lists.filter((l) => l.names.length);
    return some.length ? [head, ...some.map((l) => `${l.project}: ${l.names.join(', ')}`)].join('\n') : 'Your projects have no templates.';
  },
} as const;
