// A Bot API client on undici: POST /bot<TOKEN>/<method> with JSON, answers {ok, result} or
// {ok:false, error_code, description, parameters}. The token is part of every URL, so no URL
// and no undici error text leaves this file: errors name the method and what happened, and
// anything that could still carry the token is scrubbed.
import { Agent, request } from 'undici';

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

export interface BotApi {
  call<T>(method: string, params?: Record<string, unknown>, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<T>;
  close(): Promise<void>;
}

export function createBotApi(baseUrl: string, token: string): BotApi {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });
  const scrub = (text: string) => text.split(token).join('[token]');
  return {
    async call<T>(method: string, params: Record<string, unknown> = {}, opts: { signal?: AbortSignal; timeoutMs?: number } = {}) {
      const timeoutMs = opts.timeoutMs ?? 30_000;
      let status: number;
      let text: string;
      try {
        const res = await request(`${baseUrl}/bot${token}/${method}`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
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
    close: () => agent.close(),
  };
}
