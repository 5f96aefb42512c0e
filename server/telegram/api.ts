// A Bot API client on undici: POST /bot<TOKEN>/<method> with JSON, answers {ok, result} or
// {ok:false, error_code, description, parameters}. The token is part of every URL, so no URL
// and no undici error text leaves this file: errors name the method and what happened, and
// anything that could still carry the token is scrubbed.
import { Agent, FormData, request } from 'undici';

/** What the Bot API said no with (a 4xx/5xx answer); `retryAfter` in seconds on a 429. */
export class TelegramApiError extends Error {
  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter: number | null,
  ) {
    super(`Telegram ${method} failed: ${errorCode} ${description}`);
  }
}

/**
 * The request did not get an answer. `sent` says whether it may have reached Telegram (a
 * message might have been posted); false only when the connection was never made.
 */
export class TelegramNetworkError extends Error {
  constructor(
    readonly method: string,
    readonly reason: string,
    readonly sent: boolean,
  ) {
    super(`Telegram ${method}: no answer (${reason})`);
  }
}

/** Errors that happen before a byte of the request left: safe to retry anything. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A file to upload with a call (sendDocument, sendPhoto): sent as multipart/form-data. */
export class InputFile {
  constructor(
    readonly bytes: Buffer,
    readonly name: string,
    readonly mime: string,
  ) {}
}

/** Files bots may download with getFile (the Bot API's limit). */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** Files bots may upload (sendDocument). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** Photos bots may send as photos (sendPhoto); larger images go as documents. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export interface BotApi {
  /** A Bot API method; params holding an InputFile go as multipart/form-data, others as JSON. */
  call<T>(method: string, params?: Record<string, unknown>, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<T>;
  /** The bytes of a file by its getFile file_path (at most maxBytes). */
  download(filePath: string, maxBytes: number, opts?: { signal?: AbortSignal }): Promise<Buffer>;
  close(): Promise<void>;
}

/** JSON, or multipart/form-data when a parameter is a file (objects inside go as JSON strings). */
function encode(params: Record<string, unknown>): { body: string | FormData; headers: Record<string, string> } {
  if (!Object.values(params).some((v) => v instanceof InputFile)) {
    return { body: JSON.stringify(params), headers: { 'content-type': 'application/json' } };
  }
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (value instanceof InputFile) form.append(key, new Blob([value.bytes], { type: value.mime }), value.name);
    else form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return { body: form, headers: {} };
}

export function createBotApi(baseUrl: string, token: string): BotApi {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });
  const scrub = (text: string) => text.split(token).join('[token]');
  return {
    async call<T>(method: string, params: Record<string, unknown> = {}, opts: { signal?: AbortSignal; timeoutMs?: number } = {}) {
      const timeoutMs = opts.timeoutMs ?? 30_000;
      let status: number;
      let text: string;
      const { body, headers } = encode(params);
      try {
        const res = await request(`${baseUrl}/bot${token}/${method}`, {
          method: 'POST',
          dispatcher: agent,
          headers,
          body,
          signal: opts.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        const e = err as Error & { code?: string; cause?: { code?: string } };
        const code = e.code ?? e.cause?.code ?? e.name;
        throw new TelegramNetworkError(method, scrub(String(code)), !NOT_SENT.has(String(code)));
      }
      let answer: { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: { retry_after?: number } };
      try {
        answer = JSON.parse(text);
      } catch {
        throw new TelegramApiError(method, status, `not a Bot API answer (HTTP ${status})`, null);
      }
      if (!answer.ok) {
        throw new TelegramApiError(
          method,
          answer.error_code ?? status,
          scrub(answer.description ?? 'unknown error'),
          answer.parameters?.retry_after ?? null,
        );
      }
      return answer.result as T;
    },
    async download(filePath: string, maxBytes: number, opts: { signal?: AbortSignal } = {}) {
      const what = 'file download';
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(`${baseUrl}/file/bot${token}/${filePath.split('/').map(encodeURIComponent).join('/')}`, {
          dispatcher: agent,
          signal: opts.signal,
          headersTimeout: 30_000,
          bodyTimeout: 60_000,
        });
      } catch (err) {
        const e = err as Error & { code?: string; cause?: { code?: string } };
        throw new TelegramNetworkError(what, scrub(String(e.code ?? e.cause?.code ?? e.name)), false);
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new TelegramApiError(what, res.statusCode, `HTTP ${res.statusCode}`, null);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new TelegramApiError(what, 413, `the file is larger than ${maxBytes} bytes`, null);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof TelegramApiError) throw err;
        throw new TelegramNetworkError(what, scrub(String((err as { code?: string }).code ?? (err as Error).name)), false);
      }
      return Buffer.concat(chunks);
    },
    close: () => agent.close(),
  };
}
