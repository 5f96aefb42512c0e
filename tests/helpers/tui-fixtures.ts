// Protocol values for the TUI's state tests: a dialog, a message and a dialog's detail, each
// with plain defaults a test overrides where it matters.
import type { DialogDetail, DialogSummary, Message } from '../../core/protocol/index.js';

export const at = '2026-01-01T10:00:00.000Z';

export const dialog = (id: number, extra: Partial<DialogSummary> = {}): DialogSummary => ({
  id,
  status: 'open',
  visitor: { id: id * 10, name: `Visitor ${id}`, realName: null },
  assignee: null,
  group: null,
  leadClass: null,
  lastSeq: 1,
  rev: 1,
  lastMessage: null,
  createdAt: at,
  firstResponseAt: null,
  lastMessageAt: at,
  closedAt: null,
  ...extra,
});

export const message = (id: number, extra: Partial<Message> = {}): Message => ({
  id,
  dialogId: 1,
  seq: id,
  rev: id,
  author: 'visitor',
  operator: null,
  body: `m${id}`,
  attachments: [],
  clientId: `c${id}`,
  createdAt: at,
  editedAt: null,
  deliveredAt: null,
  ...extra,
});

export const detail = (messages: Message[], visitorOnline = true): DialogDetail => ({
  dialog: dialog(1),
  visitor: {
    id: 10,
    name: 'Visitor 1',
    card: { realName: null, phone: null, email: null, notes: null },
    page: { url: null, title: null, referrer: null },
    utm: {},
    createdAt: at,
    lastSeenAt: at,
  },
  visitorOnline,
  messages,
});
