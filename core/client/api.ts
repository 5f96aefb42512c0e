// The Parley REST client shared by the CLI and the TUI (and scripts). It speaks node:http(s),
// which is loaded with Node itself: fetch would load undici and compile its HTTP parser on the
// first request (about half of a short CLI command), importing the undici package 160 ms. Only
// types and plain constants come from core/protocol: loading its schemas (typebox) would slow
// every CLI start.
import { API_PREFIX } from '../protocol/constants.js';
import type {
  AddMemberBody,
  Attachment,
  AddMemberReply,
  RemoveMemberReply,
  ApiToken,
  CreateTokenReply,
  ResetPasswordReply,
  RevokeTokensReply,
  DialogDetail,
  DialogList,
  DialogSearch,
  DialogSummary,
  DeleteGroupReply,
  ErrorBody,
  Group,
  Routing,
  UpdateGroupBody,
  UpdateRoutingBody,
  LoginReply,
  Me,
  Member,
  Message,
  Project,
  UpdateCardBody,
  UpdateMemberBody,
  UpdateProfileBody,
  UpdateProjectBody,
  User,
  View,
  Visitor,
  ImportPlan,
  ImportTemplatesBody,
  LeadClass,
  LeadClassList,
  LeadsPage,
  LeadsQuery,
  LeadsReport,
  Template,
  TemplateList,
  UpdateDialogBody,
  TelegramLinkReply,
  AccountState,
  TelegramUnlinkReply,
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
  /** Applied to every answer's JSON (the TUI makes strings terminal-safe with it). */
  reviver?: (key: string, value: unknown) => unknown;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** An operator's status in a project (`GET/PUT /projects/:id/status`), explained. */
export interface OperatorStatusReply {
  userId: number;
  online: boolean;
  /** Whether the member is an operator of the project at all. */
  operator: boolean;
  /** What decides right now: the schedule, or a manual switch (always manual without a schedule). */
  source: 'schedule' | 'manual';
  hasSchedule: boolean;
  /** The project's timezone, in which schedules are read. */
  timezone: string;
  /** When the state changes next by itself (ISO), or null. */
  until: string | null;
  changedAt: string | null;
  /** e.g. "online by schedule until 18:00 (Europe/Moscow)". */
  explanation: string;
  /** Operators of the project online right now (the widget shows its tab while > 0). */
  operatorsOnline: number;
}

export interface DialogListQuery {
  view?: View;
  limit?: number;
  /** The `next` of the previous page. */
  before?: string;
}

export interface MessagesQuery {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
}

/** `?a=1&b=x` from the defined values, or '' when there are none. */
function query(params: object): string {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return pairs.length ? `?${new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
}

/**
 * A multipart/form-data body of one file, encoded as browsers do: the name's quote, CR and LF
 * escaped as %22, %0D and %0A, anything else as UTF-8.
 */
function formData(field: string, filename: string, bytes: Buffer): { data: Buffer; contentType: string } {
  const boundary = `----parley${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const name = filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return {
    data: Buffer.concat([Buffer.from(head, 'utf8'), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

interface Answer {
  status: number;
  text: string;
  retryAfter: string | undefined;
}

/**
 * One request with node:http(s) rather than fetch: fetch loads undici and compiles its HTTP
 * parser on first use, about a third of a short CLI command's time; http is part of Node's start.
 */
async function send(url: URL, method: Method, headers: Record<string, string>, payload: string | Buffer | undefined, timeoutMs: number): Promise<Answer> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      { method, headers: payload === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: Array.isArray(retry) ? retry[0] : retry });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Whether an answer's body is the server's own error shape ({error:{code,message}}). */
function isOurError(text: string): boolean {
  try {
    return typeof (JSON.parse(text) as ErrorBody).error?.code === 'string';
  } catch {
    return false;
  }
}

export class ParleyClient {
  readonly url: string;
  token: string | null;
  private readonly timeoutMs: number;
  private readonly reviver?: (key: string, value: unknown) => unknown;
  private readonly answered = new Set<() => void>();

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token ?? null;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.reviver = opts.reviver;
  }

  async request<T>(method: Method, path: string, body?: unknown, raw?: { data: Buffer; contentType: string }): Promise<T> {
    return (await this.exchange<T>(method, path, body, raw)).data;
  }

  /**
   * Calls `listener` whenever the server answers a request, whatever the answer, though not for
   * a proxy's 502-504 page (the TUI's "cannot reach the server" is over then, even if its socket
   * never dropped); returns the undo.
   */
  onAnswer(listener: () => void): () => void {
    this.answered.add(listener);
    return () => void this.answered.delete(listener);
  }

  /** A request that also reports the status of a successful answer (201 created vs 200 repeated). */
  async exchange<T>(
    method: Method,
    path: string,
    body?: unknown,
    raw?: { data: Buffer; contentType: string },
  ): Promise<{ status: number; data: T }> {
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
    let res: Answer;
    try {
      res = await send(new URL(`${this.url}${path}`), method, headers, payload, this.timeoutMs);
    } catch (err) {
      const e = err as Error & { code?: string };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (e.code ?? e.message);
      throw new ApiError(0, 'unreachable', `cannot reach the Parley server at ${this.url}: ${why}`);
    }
    // A proxy's 502-504 in front of a server that is down is no answer of the server's.
    if (res.status < 502 || res.status > 504 || isOurError(res.text)) for (const listener of this.answered) listener();
    const { text } = res;
    if (res.status >= 400) {
      let code = 'http_error';
      let message = `the server answered ${res.status}`;
      try {
        const parsed = JSON.parse(text, this.reviver) as ErrorBody;
        code = parsed.error.code;
        message = parsed.error.message;
      } catch {
        // Not our error shape (a proxy in between, say): keep the status line.
      }
      const retry = res.retryAfter;
      throw new ApiError(res.status, code, message, retry ? Number(retry) : null);
    }
    return { status: res.status, data: (text ? JSON.parse(text, this.reviver) : undefined) as T };
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
    this.request<ResetPasswordReply>('POST', `${API_PREFIX}/auth/password/reset`, {
      email,
      code,
      newPassword,
    });
  setAvatar = (data: Buffer) =>
    this.request<User>('PUT', `${API_PREFIX}/me/avatar`, undefined, { data, contentType: 'application/octet-stream' });
  clearAvatar = () => this.request<User>('DELETE', `${API_PREFIX}/me/avatar`);

  // ---- API tokens -----------------------------------------------------------
  listTokens = () => this.request<ApiToken[]>('GET', `${API_PREFIX}/tokens`);
  createToken = (name: string, expiresInDays?: number, projectId?: number) =>
    this.request<CreateTokenReply>('POST', `${API_PREFIX}/tokens`, { name, expiresInDays, projectId });
  revokeToken = (name: string) => this.request<void>('DELETE', `${API_PREFIX}/tokens/${encodeURIComponent(name)}`);
  revokeAllTokens = () => this.request<RevokeTokensReply>('DELETE', `${API_PREFIX}/tokens`);

  // ---- projects and team ------------------------------------------------------
  listProjects = () => this.request<Project[]>('GET', `${API_PREFIX}/projects`);
  createProject = (name: string) => this.request<Project>('POST', `${API_PREFIX}/projects`, { name });
  getProject = (id: number) => this.request<Project>('GET', `${API_PREFIX}/projects/${id}`);
  /** Name, allowed origins (replaces the list), timezone, language. */
  updateProject = (id: number, body: UpdateProjectBody) =>
    this.request<Project>('PATCH', `${API_PREFIX}/projects/${id}`, body);

  private member = (projectId: number, email: string) =>
    `${API_PREFIX}/projects/${projectId}/members/${encodeURIComponent(email)}`;
  listMembers = (projectId: number) => this.request<Member[]>('GET', `${API_PREFIX}/projects/${projectId}/members`);
  addMember = (projectId: number, body: AddMemberBody) =>
    this.request<AddMemberReply>('POST', `${API_PREFIX}/projects/${projectId}/members`, body);
  getMember = (projectId: number, email: string) => this.request<Member>('GET', this.member(projectId, email));
  updateMember = (projectId: number, email: string, body: UpdateMemberBody) =>
    this.request<Member>('PATCH', this.member(projectId, email), body);
  /** A server from before the counts answered 204 with no body: nothing was said to be released. */
  removeMember = async (projectId: number, email: string): Promise<RemoveMemberReply> =>
    (await this.request<RemoveMemberReply | undefined>('DELETE', this.member(projectId, email))) ?? { dialogsUnassigned: 0, dialogsReassigned: 0 };

  // ---- operator status --------------------------------------------------------
  getStatus = (projectId: number) =>
    this.request<OperatorStatusReply>('GET', `${API_PREFIX}/projects/${projectId}/status`);
  setStatus = (projectId: number, online: boolean) =>
    this.request<OperatorStatusReply>('PUT', `${API_PREFIX}/projects/${projectId}/status`, { online });

  // ---- dialogs ------------------------------------------------------------------
  private dialog = (projectId: number, dialogId: number) => `${API_PREFIX}/projects/${projectId}/dialogs/${dialogId}`;

  /** One page of a view (newest activity first) with the counts of all three views. */
  listDialogs = (projectId: number, q: DialogListQuery = {}) =>
    this.request<DialogList>('GET', `${API_PREFIX}/projects/${projectId}/dialogs${query(q)}`);
  /** The dialog, its visitor (card, page, UTM tags) and its latest 100 messages. */
  /** Dialogs whose visitor (name, card) or messages match `q`, newest activity first. */
  searchDialogs = (projectId: number, q: string, limit?: number) =>
    this.request<DialogSearch>('GET', `${API_PREFIX}/projects/${projectId}/dialogs/search${query({ q, limit })}`);
  getDialog = (projectId: number, dialogId: number) => this.request<DialogDetail>('GET', this.dialog(projectId, dialogId));
  /** Messages by seq: the newest `limit` before `beforeSeq`, or the oldest after `afterSeq`. */
  listMessages = (projectId: number, dialogId: number, q: MessagesQuery = {}) =>
    this.request<Message[]>('GET', `${this.dialog(projectId, dialogId)}/messages${query(q)}`);

  /**
   * Sends an operator message. The server stores it once per clientId: sending the same
   * clientId again returns the stored message (`isNew: false`) and pushes it to the visitor again.
   * `private`: a note for the team, which the visitor never sees (the same clientId sent as the
   * other kind is a 409).
   */
  async sendMessage(
    projectId: number,
    dialogId: number,
    clientId: string,
    body: string,
    attachmentIds?: number[],
    options: { private?: boolean } = {},
  ) {
    const { status, data } = await this.exchange<Message>('POST', `${this.dialog(projectId, dialogId)}/messages`, {
      clientId,
      body,
      ...(attachmentIds?.length ? { attachmentIds } : {}),
      ...(options.private ? { private: true } : {}),
    });
    return { message: data, isNew: status === 201 };
  }

  /**
   * Uploads a file into a dialog (operators); send its id with a message to show it. The server
   * types it by its bytes, not its name; the name is what the visitor sees.
   */
  uploadAttachment(projectId: number, dialogId: number, file: { name: string; data: Buffer }): Promise<Attachment> {
    const { data, contentType } = formData('file', file.name, file.data);
    return this.request<Attachment>('POST', `${this.dialog(projectId, dialogId)}/attachments`, undefined, { data, contentType });
  }

  /** Edits one's own message (within 10 minutes of sending, by the server clock). */
  editMessage = (projectId: number, messageId: number, body: string) =>
    this.request<Message>('PATCH', `${API_PREFIX}/projects/${projectId}/messages/${messageId}`, { body });
  /** The visitor's client card: real name, phone, email, notes (null clears a field). */
  updateCard = (projectId: number, dialogId: number, card: UpdateCardBody) =>
    this.request<Visitor>('PATCH', `${this.dialog(projectId, dialogId)}/visitor`, card);
  /** `from`: whose the caller saw it to be (null: nobody's): taken by someone else since, it is refused (409). */
  takeDialog = (projectId: number, dialogId: number, from?: number | null) =>
    this.request<DialogSummary>('POST', `${this.dialog(projectId, dialogId)}/take`, from === undefined ? undefined : { from });
  assignDialog = (projectId: number, dialogId: number, email: string) =>
    this.request<DialogSummary>('POST', `${this.dialog(projectId, dialogId)}/assign`, { email });
  closeDialog = (projectId: number, dialogId: number) =>
    this.request<DialogSummary>('POST', `${this.dialog(projectId, dialogId)}/close`);
  reopenDialog = (projectId: number, dialogId: number) =>
    this.request<DialogSummary>('POST', `${this.dialog(projectId, dialogId)}/reopen`);
  setLeadClass = (projectId: number, dialogId: number, leadClass: string | null) =>
    this.request<DialogSummary>('PUT', `${this.dialog(projectId, dialogId)}/lead-class`, { leadClass });

  // ---- operator groups and routing (every member reads; admin and settings change) ----------
  private group = (projectId: number, name: string) => `${API_PREFIX}/projects/${projectId}/groups/${encodeURIComponent(name)}`;

  /** Every group of the project with its members, by name. */
  listGroups = (projectId: number) => this.request<Group[]>('GET', `${API_PREFIX}/projects/${projectId}/groups`);
  getGroup = (projectId: number, name: string) => this.request<Group>('GET', this.group(projectId, name));
  createGroup = (projectId: number, name: string) =>
    this.request<Group>('POST', `${API_PREFIX}/projects/${projectId}/groups`, { name });
  /** Adds and removes operators (by email) in one step: all saved, or on an error none. */
  updateGroup = (projectId: number, name: string, body: UpdateGroupBody) =>
    this.request<Group>('PATCH', this.group(projectId, name), body);
  /** Its dialogs lose the group; the URL rules naming it go too. */
  deleteGroup = (projectId: number, name: string) => this.request<DeleteGroupReply>('DELETE', this.group(projectId, name));
  /** The assignment policy and the URL rules that route new dialogs to groups. */
  getRouting = (projectId: number) => this.request<Routing>('GET', `${API_PREFIX}/projects/${projectId}/routing`);
  /** `rules` replaces every rule, in order. */
  setRouting = (projectId: number, body: UpdateRoutingBody) =>
    this.request<Routing>('PUT', `${API_PREFIX}/projects/${projectId}/routing`, body);

  // ---- reply templates (readable by every member; see server/services/templates.ts for writes) ----
  private template = (projectId: number, templateId: number) => `${API_PREFIX}/projects/${projectId}/templates/${templateId}`;

  /** Sorted by name. */
  templates = (projectId: number) => this.request<TemplateList>('GET', `${API_PREFIX}/projects/${projectId}/templates`);
  getTemplate = (projectId: number, templateId: number) => this.request<Template>('GET', this.template(projectId, templateId));
  createTemplate = (projectId: number, body: { name: string; text: string }) =>
    this.request<Template>('POST', `${API_PREFIX}/projects/${projectId}/templates`, body);
  updateTemplate = (projectId: number, templateId: number, body: { name?: string; text?: string }) =>
    this.request<Template>('PATCH', this.template(projectId, templateId), body);
  deleteTemplate = (projectId: number, templateId: number) => this.request<void>('DELETE', this.template(projectId, templateId));
  /** Upsert by name in one transaction; `replace` deletes the others; `dryRun` only plans. */
  importTemplates = (projectId: number, body: ImportTemplatesBody) =>
    this.request<ImportPlan>('POST', `${API_PREFIX}/projects/${projectId}/templates/import`, body);

  // ---- lead classes and the lead journal --------------------------------------------
  private leadClass = (projectId: number, classId: number) => `${API_PREFIX}/projects/${projectId}/lead-classes/${classId}`;

  leadClasses = (projectId: number) => this.request<LeadClassList>('GET', `${API_PREFIX}/projects/${projectId}/lead-classes`);
  addLeadClass = (projectId: number, name: string) =>
    this.request<LeadClass>('POST', `${API_PREFIX}/projects/${projectId}/lead-classes`, { name });
  /** Renames the class on every dialog that has it too; `dialogs` counts them. */
  renameLeadClass = (projectId: number, classId: number, name: string) =>
    this.request<LeadClass & { dialogs: number }>('PATCH', this.leadClass(projectId, classId), { name });
  /** The named classes first, in this order, the others after them as they were; the new list. */
  orderLeadClasses = (projectId: number, names: string[]) =>
    this.request<LeadClassList>('PUT', `${API_PREFIX}/projects/${projectId}/lead-classes/order`, { names });
  /** Dialogs that have the class keep it; `dialogs` counts them. */
  removeLeadClass = (projectId: number, classId: number) =>
    this.request<{ name: string; dialogs: number }>('DELETE', this.leadClass(projectId, classId));
  /** Sets (or with null clears) a dialog's lead class: `PATCH /projects/:id/dialogs/:dialogId`. */
  updateDialog = (projectId: number, dialogId: number, body: UpdateDialogBody) =>
    this.request<DialogSummary>('PATCH', this.dialog(projectId, dialogId), body);
  /** One page of the lead journal (oldest first); pass `next` as `after` for the next. */
  leads = (projectId: number, q: LeadsQuery = {}) =>
    this.request<LeadsPage>('GET', `${API_PREFIX}/projects/${projectId}/leads${query(q)}`);
  leadsReport = (projectId: number, q: { since?: string; until?: string } = {}) =>
    this.request<LeadsReport>('GET', `${API_PREFIX}/projects/${projectId}/leads/report${query(q)}`);

  // ---- server administration -------------------------------------------------------------
  /** Disables (or enables again) an account: server administrators only. */
  setAccountDisabled = (email: string, disabled: boolean) =>
    this.request<AccountState>('POST', `${API_PREFIX}/admin/users/${encodeURIComponent(email)}/${disabled ? 'disable' : 'enable'}`);

  // ---- Telegram: linking the caller's chat with the bot ------------------------------------
  /** A one-time code and the t.me link that sends `/start CODE` to the bot (valid 15 minutes). */
  telegramLink = () => this.request<TelegramLinkReply>('POST', `${API_PREFIX}/telegram/link`);
  telegramUnlink = () => this.request<TelegramUnlinkReply>('DELETE', `${API_PREFIX}/telegram/link`);
}
