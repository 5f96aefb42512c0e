// The Parley REST client shared by the CLI and the TUI (and scripts). undici is loaded on the
// first request, so commands that never talk to a server start fast. Only types and plain
// constants come from core/protocol: loading its schemas (typebox) would slow every CLI start.
import { API_PREFIX } from '../protocol/constants.js';
import type {
  AddMemberBody,
  AddMemberReply,
  ApiToken,
  CreateTokenReply,
  ErrorBody,
  LoginReply,
  Me,
  Member,
  Project,
  UpdateMemberBody,
  UpdateProfileBody,
  User,
} from '../protocol/index.js';


/** A failed call: `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url: string;
  token?: string | null;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

let undici: Promise<typeof import('undici')> | null = null;

export class ParleyClient {
  readonly url: string;
  token: string | null;
  private readonly timeoutMs: number;

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token ?? null;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async request<T>(method: Method, path: string, body?: unknown, raw?: { data: Buffer; contentType: string }): Promise<T> {
    undici ??= import('undici');
    const { request } = await undici;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Buffer | undefined;
    if (raw) {
      headers['content-type'] = raw.contentType;
      payload = raw.data;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.url}${path}`, {
        method,
        headers,
        body: payload,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ApiError(0, 'unreachable', `cannot reach the Parley server at ${this.url}: ${e.code ?? e.message}`);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      let code = 'http_error';
      let message = `the server answered ${res.statusCode}`;
      try {
        const parsed = JSON.parse(text) as ErrorBody;
        code = parsed.error.code;
        message = parsed.error.message;
      } catch {
        // Not our error shape (a proxy in between, say): keep the status line.
      }
      const retry = res.headers['retry-after'];
      throw new ApiError(res.statusCode, code, message, retry ? Number(retry) : null);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- account --------------------------------------------------------------
  login = (email: string, password: string) =>
    this.request<LoginReply>('POST', `${API_PREFIX}/auth/login`, { email, password });
  logout = () => this.request<void>('POST', `${API_PREFIX}/auth/logout`);
  me = () => this.request<Me>('GET', `${API_PREFIX}/me`);
  updateProfile = (body: UpdateProfileBody) => this.request<User>('PATCH', `${API_PREFIX}/me`, body);
  changePassword = (currentPassword: string, newPassword: string) =>
    this.request<User>('POST', `${API_PREFIX}/me/password`, { currentPassword, newPassword });
  forgotPassword = (email: string) =>
    this.request<{ status: string; message: string }>('POST', `${API_PREFIX}/auth/password/forgot`, { email });
  resetPassword = (email: string, code: string, newPassword: string) =>
    this.request<{ status: string; message: string }>('POST', `${API_PREFIX}/auth/password/reset`, {
      email,
      code,
      newPassword,
    });
  setAvatar = (data: Buffer) =>
    this.request<User>('PUT', `${API_PREFIX}/me/avatar`, undefined, { data, contentType: 'application/octet-stream' });
  clearAvatar = () => this.request<User>('DELETE', `${API_PREFIX}/me/avatar`);

  // ---- API tokens -----------------------------------------------------------
  listTokens = () => this.request<ApiToken[]>('GET', `${API_PREFIX}/tokens`);
  createToken = (name: string, expiresInDays?: number) =>
    this.request<CreateTokenReply>('POST', `${API_PREFIX}/tokens`, { name, expiresInDays });
  revokeToken = (name: string) => this.request<void>('DELETE', `${API_PREFIX}/tokens/${encodeURIComponent(name)}`);

  // ---- projects and team ------------------------------------------------------
  listProjects = () => this.request<Project[]>('GET', `${API_PREFIX}/projects`);
  createProject = (name: string) => this.request<Project>('POST', `${API_PREFIX}/projects`, { name });
  getProject = (id: number) => this.request<Project>('GET', `${API_PREFIX}/projects/${id}`);

  private member = (projectId: number, email: string) =>
    `${API_PREFIX}/projects/${projectId}/members/${encodeURIComponent(email)}`;
  listMembers = (projectId: number) => this.request<Member[]>('GET', `${API_PREFIX}/projects/${projectId}/members`);
  addMember = (projectId: number, body: AddMemberBody) =>
    this.request<AddMemberReply>('POST', `${API_PREFIX}/projects/${projectId}/members`, body);
  getMember = (projectId: number, email: string) => this.request<Member>('GET', this.member(projectId, email));
  updateMember = (projectId: number, email: string, body: UpdateMemberBody) =>
    this.request<Member>('PATCH', this.member(projectId, email), body);
  removeMember = (projectId: number, email: string) => this.request<void>('DELETE', this.member(projectId, email));
}
