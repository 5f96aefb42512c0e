// What the widget says, in the page's language (its <html lang>): English, or Russian for
// `ru` pages, as the visitor's generated name already is. Server refusals stay as sent, except two
// of an upload, which the visitor can act on: a file too large, the day's files spent.
const EN = {
  /** The language and direction of these words, whatever the site's. */
  lang: 'en',
  dir: 'ltr',
  title: 'Chat with us',
  close: 'Close chat',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  reconnected: 'Connected again.',
  typing: 'An operator is typing…',
  emoji: 'Emoji',
  attach: 'Attach a file',
  placeholder: 'Type a message…',
  message: 'Message',
  send: 'Send',
  you: (name: string) => `You are ${name}`,
  edited: 'edited',
  sending: 'Sending…',
  notSent: (why: string) => `Not sent: ${why}. Click to retry.`,
  refused: (why: string) => `Not sent: ${why}.`,
  yours: 'You',
  discard: 'Discard this message',
  away: 'No one is online right now. Leave a message and we will answer here.',
  tooLong: (n: number, max: number) => `This message is too long: ${n} characters, at most ${max}. Split it or send it as a file.`,
  tooLarge: 'too large to send',
  uploadLost: 'the upload failed: check your connection',
  uploading: 'Uploading…',
  /** Refused for now (the server's upload limit, its storage busy) or lost: it goes again shortly. */
  uploadWaits: 'Waiting to upload…',
  cancelUpload: 'Cancel upload',
  /** The server's words say its limit; `size` is the file's. */
  fileTooLarge: (why: string, size: string) => why || `the file is too large (${size})`,
  /** Refused before uploading: over the server's limit (`max`), as the server would say it. */
  fileOverLimit: (max: string, _size: string) => `a file may be at most ${max}`,
  /** Refused before uploading: the server takes no empty file. */
  fileEmpty: 'the file is empty',
  uploadBudget: (hours: number) => `you have sent too many files today: try again in ${hours} h`,
  newMessages: 'New messages',
  /** Over the list scrolled up, when a message arrives below. */
  newBelow: 'New message ↓',
  hidePreview: 'Hide',
  /** `n` new messages, or (`atLeast`) n or more. */
  unread: (n: number, atLeast = false) => `${n}${atLeast ? '+' : ''} new message${n === 1 && !atLeast ? '' : 's'}`,
};

/** 1 (21, 31…) новое сообщение, 2–4 (22–24…) новых сообщения, otherwise новых сообщений. */
const RU_PLURAL = new Intl.PluralRules('ru');
const NEW_MESSAGES_RU: Partial<Record<Intl.LDMLPluralRule, string>> = { one: 'новое сообщение', few: 'новых сообщения' };

const RU: typeof EN = {
  lang: 'ru',
  dir: 'ltr',
  title: 'Чат с нами',
  close: 'Закрыть чат',
  connecting: 'Подключение…',
  reconnecting: 'Переподключение…',
  reconnected: 'Связь восстановлена.',
  typing: 'Оператор печатает…',
  emoji: 'Эмодзи',
  attach: 'Прикрепить файл',
  // Short: the text box is narrow beside «Отправить», and its placeholder is cut, not wrapped.
  placeholder: 'Сообщение…',
  message: 'Сообщение',
  send: 'Отправить',
  you: (name: string) => `Вы — ${name}`,
  edited: 'изменено',
  sending: 'Отправляется…',
  notSent: (why: string) => `Не отправлено: ${why}. Нажмите, чтобы повторить.`,
  refused: (why: string) => `Не отправлено: ${why}.`,
  yours: 'Вы',
  discard: 'Удалить это сообщение',
  away: 'Сейчас никого нет на месте. Оставьте сообщение, и мы ответим здесь.',
  tooLong: (n: number, max: number) =>
    `Сообщение слишком длинное: ${n} символов, можно не больше ${max}. Разделите его или отправьте файлом.`,
  tooLarge: 'слишком большое сообщение',
  uploadLost: 'файл не загрузился: проверьте подключение',
  uploading: 'Загружается…',
  uploadWaits: 'Ожидает загрузки…',
  cancelUpload: 'Отменить загрузку',
  fileTooLarge: (_why: string, size: string) => `файл слишком большой (${size})`,
  fileOverLimit: (_max: string, size: string) => `файл слишком большой (${size})`,
  fileEmpty: 'файл пустой',
  uploadBudget: (hours: number) => `сегодня отправлено слишком много файлов: попробуйте через ${hours} ч`,
  newMessages: 'Новые сообщения',
  newBelow: 'Новое сообщение ↓',
  hidePreview: 'Скрыть',
  unread: (n: number, atLeast = false) => `${n}${atLeast ? '+' : ''} ${NEW_MESSAGES_RU[RU_PLURAL.select(n)] ?? 'новых сообщений'}`,
};

export type Words = typeof EN;

export function wordsFor(lang: string): Words {
  return lang.toLowerCase().startsWith('ru') ? RU : EN;
}
