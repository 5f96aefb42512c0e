// A fake Telegram Bot API for tests: a real HTTP server on a random loopback port that speaks
// the wire protocol (POST /bot<TOKEN>/<method> with JSON; {ok:true,result} or
// {ok:false,error_code,description,parameters}). Updates queued by the test are served to
// getUpdates with long polling that honours offset and timeout; every call is recorded; 429s
// and network failures can be injected. Files go both ways as Telegram does: sendDocument and
// sendPhoto take multipart/form-data uploads (kept, with their bytes), and a file a user sends
// is fetched with getFile and GET /file/bot<TOKEN>/<file_path>. setWebhook/deleteWebhook are kept as Telegram does:
// while a webhook is set getUpdates answers 409, and queued updates are POSTed to the webhook
// (one at a time, with X-Telegram-Bot-Api-Secret-Token). Plus a Parley server wired to it, in
// virtual time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';
import type { Clock } from '../../server/clock.js';
import type { BridgeTimers, DeadlineTimers } from '../../server/telegram/timers.js';
import { startTestServer, type TestServer } from './server.js';

export const BOT_TOKEN = '123456:AAH-fake-bot-token-0123456789abcdefXYZ';
export const BOT = { id: 123456, is_bot: true, first_name: 'Parley Test', username: 'parley_test_bot' };

export interface BotCall {
  method: string;
  /** The JSON body, or the multipart form's fields (objects parsed back from their JSON). */
  params: Record<string, any>;
  /** A multipart upload's file (sendDocument, sendPhoto). */
  file?: { field: string; name: string; type: string; bytes: Buffer };
  /** The HTTP status answered (0: the connection was cut; undefined: not answered yet). */
  status?: number;
  /** The `result` of an ok answer. */
  result?: any;
}

type Failure = { kind: 'rate_limit'; retryAfter: number } | { kind: 'network' } | { kind: 'error'; code: number; description: string };

interface Update {
  update_id: number;
  message?: Record<string, any>;
  callback_query?: Record<string, any>;
}

export interface Webhook {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  max_connections?: number;
}

export interface FakeBotApi {
  url: string;
  token: string;
  calls: BotCall[];
  /** The webhook set now (setWebhook), or null. */
  readonly webhook: Webhook | null;
  /** Webhook POSTs made: the update and the HTTP status answered (0: no answer). */
  deliveries: Array<{ updateId: number; status: number }>;
  /**
   * Where webhook deliveries really go (the test's stand-in for DNS and a reverse proxy from the
   * public webhook URL to the server); updates waiting are delivered now.
   */
  reachWebhookAt(url: string): void;
  /** POSTs an update already delivered once more (as Telegram does when an answer is lost); its status. */
  deliverAgain(updateId: number): Promise<number>;
  /** A private-chat text message from a Telegram user; `replyTo` makes it a reply. */
  userSays(chatId: number, text: string, opts?: { replyTo?: number }): { updateId: number; messageId: number };
  /** A photo (`as: 'photo'`), a still sticker or a document from the user, downloadable through getFile. */
  userSendsFile(
    chatId: number,
    file: {
      bytes: Buffer;
      name: string;
      mime: string;
      as?: 'photo' | 'sticker' | 'document' | 'video_note';
      caption?: string;
      replyTo?: number;
      claimedSize?: number;
      /** The album (media_group_id) it is an item of: Telegram sends each item as a message. */
      album?: string;
    },
  ): { updateId: number; messageId: number };
  /** Any other message from the user, its fields as the Bot API has them (`location`, `contact`, `poll`...). */
  userSends(chatId: number, fields: Record<string, unknown>, opts?: { replyTo?: number }): { updateId: number; messageId: number };
  /** The user edits a message they sent (an edited_message update). */
  userEdits(chatId: number, messageId: number, text: string): number;
  /** The user taps an inline button of a bot message (a callback_query update). */
  userTaps(chatId: number, messageId: number, data: string): { updateId: number; queryId: string };
  /** Downloads served (GET /file/bot<TOKEN>/...): the path and the status answered. */
  downloads: Array<{ path: string; status: number }>;
  /** Queues an update (its update_id is the next one). */
  push(update: Omit<Update, 'update_id'>): number;
  /** The next update_id, for an update the test hands to the server itself (never served). */
  reserveUpdateId(): number;
  /** Serves an already served update once more, whatever offset the next getUpdates asks for. */
  serveAgain(updateId: number): void;
  /** The next `times` calls of `method` fail this way. */
  fail(method: string, failure: Failure, times?: number): void;
  /**
   * The next call of `method` that matches is carried out (a message gets its id) but its answer
   * is held back until `release()`: a slow Telegram, as the bot sees it. Resolves once held.
   */
  hold(method: string, match?: (c: BotCall) => boolean): Promise<{ call: BotCall; release(): void }>;
  /** The first call (made already or still to come, answered or not) after the `from`-th that matches. */
  waitFor(method: string, match?: (c: BotCall) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<BotCall>;
  /** Messages the bot sent to a chat (sendMessage calls answered ok), in order. */
  sentTo(chatId: number): BotCall[];
  /** What the bot said next in a chat (a sendMessage answered ok after the current point). */
  nextSaid(chatId: number, match?: RegExp): Promise<BotCall>;
  close(): Promise<void>;
}

export async function startFakeBotApi(token = BOT_TOKEN): Promise<FakeBotApi> {
  const calls: BotCall[] = [];
  const updates: Update[] = [];
  /** Every update ever queued, so one can be served again after an offset confirmed it. */
  const history: Update[] = [];
  const again: Update[] = [];
  const failures = new Map<string, Failure[]>();
  const messageIds = new Map<number, number>();
  const sentByBot = new Map<string, Record<string, any>>();
  const sentByUser = new Map<string, Record<string, any>>();
  /** Files users sent, by file_id: their bytes and the file_path getFile gives. */
  const userFiles = new Map<string, { bytes: Buffer; path: string }>();
  const downloads: Array<{ path: string; status: number }> = [];
  let nextFileNo = 1;
  let nextQueryNo = 1;
  const pollers = new Set<() => void>();
  const callWaiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  type Hold = { method: string; match: (c: BotCall) => boolean; held: (h: { call: BotCall; release(): void }) => void };
  const holds: Hold[] = [];
  /** Answers held back (hold): the response, until released. */
  const holdOf = new WeakMap<ServerResponse, Hold>();
  let nextUpdateId = 700_000_001;
  let webhook: Webhook | null = null;
  let webhookTarget: string | null = null;
  const deliveries: Array<{ updateId: number; status: number }> = [];
  let delivering: Promise<void> = Promise.resolve();

  async function post(update: Update): Promise<number> {
    if (!webhook || !webhookTarget) return 0;
    let status = 0;
    try {
      const res = await request(webhookTarget, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {}),
        },
        body: JSON.stringify(update),
      });
      status = res.statusCode;
      await res.body.dump();
    } catch {
      status = 0;
    }
    deliveries.push({ updateId: update.update_id, status });
    notify();
    return status;
  }
  /** Delivers waiting updates one at a time (max_connections 1); delivered ones are forgotten. */
  const deliverPending = () => {
    delivering = delivering.then(async () => {
      while (webhook && webhookTarget && updates.length) {
        const update = updates[0];
        const status = await post(update);
        if (status < 200 || status >= 300) return; // stays pending
        if (updates[0] === update) updates.shift();
      }
    });
    return delivering;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const newMessageId = (chatId: number) => {
    const id = (messageIds.get(chatId) ?? 100) + 1;
    messageIds.set(chatId, id);
    return id;
  };
  const chat = (id: number) => ({ id, type: 'private', first_name: 'Operator' });
  /** The message a reply refers to, as Telegram embeds it. */
  const replied = (chatId: number, id: number) =>
    sentByBot.get(`${chatId}:${id}`) ?? sentByUser.get(`${chatId}:${id}`) ?? { message_id: id, date: now(), chat: chat(chatId) };

  // Each response belongs to a recorded call (when the request was one): its answer is kept.
  const callOf = new WeakMap<ServerResponse, BotCall>();
  const ok = (res: ServerResponse, result: unknown) => send(res, 200, { ok: true, result });
  const notOk = (res: ServerResponse, code: number, description: string, parameters?: Record<string, unknown>) =>
    send(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
  function send(res: ServerResponse, status: number, body: { ok: boolean; result?: unknown; [key: string]: unknown }) {
    if (res.writableEnded || res.destroyed) return;
    const hold = holdOf.get(res);
    if (hold) {
      holdOf.delete(res);
      const call = callOf.get(res)!;
      call.result = body.result;
      hold.held({ call, release: () => send(res, status, body) });
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const call = callOf.get(res);
    if (call) {
      call.status = status;
      call.result = body.result;
      notify();
    }
  }
  const notify = () => {
    for (const w of [...callWaiters]) w();
  };

  function getUpdates(params: Record<string, any>, res: ServerResponse) {
    if (webhook) return notOk(res, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Number(params.limit ?? 100));
    // An offset confirms every update below it: Telegram forgets them.
    while (updates.length && updates[0].update_id < offset) updates.shift();
    const take = () => [...again.splice(0), ...updates.filter((u) => u.update_id >= offset)].slice(0, limit);
    const ready = take();
    const timeout = Number(params.timeout ?? 0);
    if (ready.length || timeout <= 0) return ok(res, ready);
    const answer = () => {
      clearTimeout(timer);
      pollers.delete(answer);
      ok(res, take());
    };
    const timer = setTimeout(answer, timeout * 1000);
    pollers.add(answer);
    res.on('close', () => {
      clearTimeout(timer);
      pollers.delete(answer);
    });
  }

  /** What the real Bot API refuses whatever the method: half a character, too long a text. */
  function beyondLimits(params: Record<string, any>): string | null {
    const strings: string[] = [];
    const collect = (v: unknown) => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(params);
    if (strings.some((v) => !v.isWellFormed())) return 'Bad Request: strings must be encoded in UTF-8';
    if (typeof params.text === 'string' && params.text.length > 4096) return 'Bad Request: message is too long';
    if (typeof params.caption === 'string' && params.caption.length > 1024) return 'Bad Request: message caption is too long';
    const buttons: Array<{ text?: string; callback_data?: string }> = params.reply_markup?.inline_keyboard?.flat() ?? [];
    if (buttons.some((b) => !b.text || Buffer.byteLength(b.callback_data ?? '') > 64)) return 'Bad Request: BUTTON_DATA_INVALID';
    return null;
  }

  function handle(method: string, params: Record<string, any>, res: ServerResponse) {
    switch (method) {
      case 'getMe':
        return ok(res, BOT);
      case 'getUpdates':
        return getUpdates(params, res);
      case 'sendMessage': {
        const chatId = Number(params.chat_id);
        if (!chatId || typeof params.text !== 'string' || !params.text) return notOk(res, 400, 'Bad Request: message text is empty');
        const message: Record<string, any> = { message_id: newMessageId(chatId), date: now(), chat: chat(chatId), from: BOT, text: params.text };
        if (params.reply_markup) message.reply_markup = params.reply_markup;
        const replyTo = params.reply_parameters?.message_id;
        if (replyTo) message.reply_to_message = sentByBot.get(`${chatId}:${replyTo}`) ?? { message_id: replyTo, chat: chat(chatId), date: now() };
        sentByBot.set(`${chatId}:${message.message_id}`, message);
        return ok(res, message);
      }
      case 'sendDocument':
      case 'sendPhoto': {
        const chatId = Number(params.chat_id);
        const field = method === 'sendPhoto' ? 'photo' : 'document';
        const file = callOf.get(res)?.file;
        if (!chatId || !file || file.field !== field) return notOk(res, 400, `Bad Request: there is no ${field} in the request`);
        const fileId = `sent-${nextFileNo++}`;
        const message: Record<string, any> = { message_id: newMessageId(chatId), date: now(), chat: chat(chatId), from: BOT };
        if (field === 'photo') message.photo = [{ file_id: fileId, file_unique_id: fileId, width: 1, height: 1, file_size: file.bytes.length }];
        else message.document = { file_id: fileId, file_unique_id: fileId, file_name: file.name, mime_type: file.type, file_size: file.bytes.length };
        if (typeof params.caption === 'string') message.caption = params.caption;
        const replyTo = params.reply_parameters?.message_id;
        if (replyTo) message.reply_to_message = sentByBot.get(`${chatId}:${replyTo}`) ?? { message_id: replyTo, chat: chat(chatId), date: now() };
        sentByBot.set(`${chatId}:${message.message_id}`, message);
        return ok(res, message);
      }
      case 'getFile': {
        const known = userFiles.get(String(params.file_id));
        if (!known) return notOk(res, 400, 'Bad Request: invalid file_id');
        return ok(res, { file_id: params.file_id, file_unique_id: params.file_id, file_size: known.bytes.length, file_path: known.path });
      }
      case 'editMessageText': {
        const key = `${params.chat_id}:${params.message_id}`;
        const message = sentByBot.get(key);
        if (!message) return notOk(res, 400, 'Bad Request: message to edit not found');
        if (message.text === params.text && JSON.stringify(message.reply_markup) === JSON.stringify(params.reply_markup)) {
          return notOk(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        message.text = params.text;
        message.edit_date = now();
        // Without reply_markup the inline keyboard goes away, as in Telegram.
        if (params.reply_markup) message.reply_markup = params.reply_markup;
        else delete message.reply_markup;
        return ok(res, message);
      }
      case 'setMessageReaction':
      case 'answerCallbackQuery':
        return ok(res, true);
      case 'setWebhook': {
        if (typeof params.url !== 'string') return notOk(res, 400, 'Bad Request: bad webhook: URL is required');
        if (params.url === '') {
          webhook = null;
          return ok(res, true);
        }
        if (params.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(params.secret_token))) {
          return notOk(res, 400, 'Bad Request: secret token contains unallowed characters');
        }
        webhook = {
          url: params.url,
          secret_token: params.secret_token,
          allowed_updates: params.allowed_updates,
          max_connections: params.max_connections,
        };
        // Long polls waiting are cut off, as Telegram does.
        for (const p of [...pollers]) p();
        ok(res, true);
        void deliverPending();
        return;
      }
      case 'deleteWebhook':
        webhook = null;
        if (params.drop_pending_updates) updates.splice(0);
        return ok(res, true);
      default:
        return notOk(res, 404, 'Not Found');
    }
  }

  async function readParams(req: IncomingMessage, raw: Buffer): Promise<{ params: Record<string, any>; file?: BotCall['file'] }> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) return { params: raw.length ? JSON.parse(raw.toString('utf8')) : {} };
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const params: Record<string, any> = {};
    let file: BotCall['file'];
    for (const [key, value] of form) {
      if (typeof value === 'string') {
        // Telegram reads JSON-serialized objects in form fields.
        params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
      } else {
        file = { field: key, name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
        params[key] = `attach:${value.name}`;
      }
    }
    return { params, file };
  }

  function download(path: string, res: ServerResponse) {
    const known = [...userFiles.values()].find((f) => f.path === path);
    const status = known ? 200 : 404;
    downloads.push({ path, status });
    if (!known) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': known.bytes.length }).end(known.bytes);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const fileUrl = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.url ?? '');
      if (fileUrl && req.method === 'GET') {
        if (fileUrl[1] !== token) return notOk(res, 401, 'Unauthorized');
        return download(decodeURIComponent(fileUrl[2]), res);
      }
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') return notOk(res, 404, 'Not Found');
      if (m[1] !== token) return notOk(res, 401, 'Unauthorized');
      let parsed: Awaited<ReturnType<typeof readParams>>;
      try {
        parsed = await readParams(req, Buffer.concat(chunks));
      } catch {
        return notOk(res, 400, "Bad Request: can't parse the request");
      }
      const method = m[2];
      const call: BotCall = { method, params: parsed.params, ...(parsed.file ? { file: parsed.file } : {}) };
      calls.push(call);
      callOf.set(res, call);
      const hold = holds.findIndex((h) => h.method === method && h.match(call));
      if (hold >= 0) holdOf.set(res, holds.splice(hold, 1)[0]);
      notify();
      const failure = failures.get(method)?.shift();
      if (failure?.kind === 'network') {
        call.status = 0;
        req.socket.destroy();
        return notify();
      }
      if (failure?.kind === 'rate_limit') {
        return notOk(res, 429, `Too Many Requests: retry after ${failure.retryAfter}`, { retry_after: failure.retryAfter });
      }
      if (failure?.kind === 'error') return notOk(res, failure.code, failure.description);
      const refused = beyondLimits(call.params);
      if (refused) return notOk(res, 400, refused);
      handle(method, call.params, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const wake = () => {
    for (const p of [...pollers]) p();
  };
  const fake: FakeBotApi = {
    url,
    token,
    calls,
    get webhook() {
      return webhook;
    },
    deliveries,
    reachWebhookAt(target) {
      webhookTarget = target;
      void deliverPending();
    },
    deliverAgain(updateId) {
      const update = history.find((u) => u.update_id === updateId);
      if (!update) throw new Error(`no update ${updateId} to deliver again`);
      const done = delivering.then(() => post(update));
      delivering = done.then(() => undefined);
      return done;
    },
    push(update) {
      const full = { update_id: nextUpdateId++, ...update };
      updates.push(full);
      history.push(full);
      if (webhook) void deliverPending();
      else wake();
      return full.update_id;
    },
    reserveUpdateId: () => nextUpdateId++,
    userSays(chatId, text, opts = {}) {
      const command = text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0].length }] } : {};
      return fake.userSends(chatId, { text, ...command }, opts);
    },
    userSendsFile(chatId, file) {
      const messageId = newMessageId(chatId);
      const fileId = `user-file-${nextFileNo++}`;
      const size = file.claimedSize ?? file.bytes.length;
      const folder = { photo: 'photos', sticker: 'stickers', document: 'documents', video_note: 'video_notes' }[file.as ?? 'document'];
      userFiles.set(fileId, { bytes: file.bytes, path: `${folder}/file_${nextFileNo}.${file.name.split('.').pop()}` });
      const message: Record<string, any> = {
        message_id: messageId,
        date: now(),
        chat: chat(chatId),
        from: { id: chatId, is_bot: false, first_name: 'Operator' },
      };
      if (file.as === 'photo') {
        // Telegram sends several sizes, smallest first; the bridge takes the largest.
        message.photo = [
          { file_id: `${fileId}-thumb`, file_unique_id: `${fileId}-thumb`, width: 90, height: 90, file_size: 1000 },
          { file_id: fileId, file_unique_id: fileId, width: 800, height: 600, file_size: size },
        ];
      } else if (file.as === 'video_note') {
        message.video_note = { file_id: fileId, file_unique_id: fileId, length: 240, duration: 3, file_size: size };
      } else if (file.as === 'sticker') {
        message.sticker = { file_id: fileId, file_unique_id: fileId, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '👍', file_size: size };
      } else {
        message.document = { file_id: fileId, file_unique_id: fileId, file_name: file.name, mime_type: file.mime, file_size: size };
      }
      if (file.caption) message.caption = file.caption;
      if (file.album) message.media_group_id = file.album;
      if (file.replyTo !== undefined) message.reply_to_message = replied(chatId, file.replyTo);
      sentByUser.set(`${chatId}:${messageId}`, message);
      return { updateId: fake.push({ message }), messageId };
    },
    userSends(chatId, fields, opts = {}) {
      const messageId = newMessageId(chatId);
      const message: Record<string, any> = {
        message_id: messageId,
        date: now(),
        chat: chat(chatId),
        from: { id: chatId, is_bot: false, first_name: 'Operator' },
        ...fields,
      };
      if (opts.replyTo !== undefined) message.reply_to_message = replied(chatId, opts.replyTo);
      sentByUser.set(`${chatId}:${messageId}`, message);
      return { updateId: fake.push({ message }), messageId };
    },
    userEdits(chatId, messageId, text) {
      const original = sentByUser.get(`${chatId}:${messageId}`);
      if (!original) throw new Error(`the user sent no message ${messageId} in chat ${chatId}`);
      const edited = { ...original, text, edit_date: now() };
      sentByUser.set(`${chatId}:${messageId}`, edited);
      return fake.push({ edited_message: edited });
    },
    userTaps(chatId, messageId, data) {
      const message = sentByBot.get(`${chatId}:${messageId}`);
      if (!message) throw new Error(`the bot sent no message ${messageId} in chat ${chatId}`);
      const buttons: Array<{ callback_data: string }> = (message.reply_markup?.inline_keyboard ?? []).flat();
      if (!buttons.some((b) => b.callback_data === data)) throw new Error(`message ${messageId} has no button "${data}"`);
      const queryId = `q${nextQueryNo++}`;
      const updateId = fake.push({
        callback_query: { id: queryId, from: { id: chatId, is_bot: false, first_name: 'Operator' }, message, chat_instance: `ci${chatId}`, data },
      });
      return { updateId, queryId };
    },
    downloads,
    serveAgain(updateId) {
      const update = history.find((u) => u.update_id === updateId);
      if (!update) throw new Error(`no update ${updateId} to serve again`);
      again.push(update);
      wake();
    },
    hold(method, match = () => true) {
      return new Promise((held) => holds.push({ method, match, held }));
    },
    fail(method, failure, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    waitFor(method, match = () => true, opts = {}) {
      const from = opts.from ?? 0;
      const find = () => calls.slice(from).find((c) => c.method === method && match(c));
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          callWaiters.delete(check);
          reject(new Error(`no ${method} call matched; calls: ${calls.slice(from).map((c) => c.method).join(', ')}`));
        }, opts.timeoutMs ?? 5000);
        const check = () => {
          const hit = find();
          if (!hit) return;
          clearTimeout(timer);
          callWaiters.delete(check);
          resolve(hit);
        };
        callWaiters.add(check);
      });
    },
    sentTo: (chatId) => calls.filter((c) => c.method === 'sendMessage' && c.status === 200 && Number(c.params.chat_id) === chatId),
    nextSaid: (chatId, match = /./) =>
      fake.waitFor('sendMessage', (c) => c.status === 200 && c.params.chat_id === chatId && match.test(c.params.text), { from: calls.length }),
    async close() {
      wake();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/**
 * Time for the bridge that moves only by its own waits: a sleep of N ms advances the clock by N
 * at once (after yielding to I/O), so pacing and retry_after are honoured without real waiting,
 * and every wait is recorded for assertions.
 */
export class VirtualTimers implements BridgeTimers {
  t = Date.UTC(2026, 0, 5, 9, 0, 0);
  sleeps: number[] = [];
  now = () => this.t;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.t += ms;
    await new Promise((resolve) => setImmediate(resolve));
  };
}

/** A Parley server (startTestServer) whose Telegram bridge talks to `fake`, in virtual time. */
export async function startServerWithBot(
  fake: FakeBotApi,
  opts: {
    dataDir?: string;
    clock?: Clock;
    timers?: BridgeTimers;
    /** The 5-second delivery deadline's timers (a ManualTime); real ones otherwise. */
    deadlines?: DeadlineTimers;
    pollTimeoutSeconds?: number;
    webhookUrl?: string;
  } = {},
): Promise<TestServer & { timers: BridgeTimers }> {
  const timers = opts.timers ?? new VirtualTimers();
  const server = await startTestServer({
    dataDir: opts.dataDir,
    clock: opts.clock,
    env: {
      PARLEY_LOG_LEVEL: 'trace',
      PARLEY_TELEGRAM_TOKEN: fake.token,
      PARLEY_TELEGRAM_API: fake.url,
      ...(opts.webhookUrl ? { PARLEY_TELEGRAM_WEBHOOK_URL: opts.webhookUrl } : {}),
    },
    telegram: { timers, deadlines: opts.deadlines, pollTimeoutSeconds: opts.pollTimeoutSeconds ?? 5 },
  });
  // The public webhook URL reaches this server's /telegram/webhook.
  if (opts.webhookUrl) fake.reachWebhookAt(`${server.url}/telegram/webhook`);
  return { ...server, timers };
}
