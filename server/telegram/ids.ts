// Values derived, not stored: a reply's clientId from its Telegram message (so a repeated update
// posts once) and the webhook's secret token from the bot token (so it survives restarts).
import { createHash, createHmac } from 'node:crypto';

/**
 * What a Telegram message sent to a dialog: itself (a reply), a template it named (/tpl), or a
 * private note (/note).
 */
export type SentBy = 'reply' | 'template' | 'note';

/**
 * A UUID-shaped clientId that is the same for the same Telegram message, however often it
 * arrives. A template's and a note's differ from a reply's, so an edit can tell what the message
 * sent.
 */
export function clientIdFor(chatId: number, tgMessageId: number, sentBy: SentBy = 'reply'): string {
  const source = `telegram:${chatId}:${tgMessageId}${sentBy === 'reply' ? '' : `:${sentBy}`}`;
  const h = createHash('sha256').update(source).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The webhook's secret token: an HMAC of the bot token, so it survives restarts without being
 * stored, and changes with the token. 43 characters of [A-Za-z0-9_-], as setWebhook requires.
 */
export function webhookSecretFor(token: string): string {
  return createHmac('sha256', token).update('parley telegram webhook secret v1').digest('base64url');
}
