// Who receives which event over which socket: the one place that decides.
//
// - Operators (members watching a project) get every dialog event of that project (each with
//   the dialog's view for that operator: Mine, Shared or Archive), the typing of visitors and of
//   the other operators (never their own), status changes, and group changes.
// - A visitor's widgets (every open tab) get their own dialog's messages as the widget view
//   (no system messages, no operator ids), edits and resends of operator messages, the
//   operators' typing, and whether anyone is online. Never other visitors' anything. A widget
//   whose visitor is not stored yet (nobody wrote with its token) hears only whether anyone is
//   online, until a tab of the token stores the visitor (visitor.stored).
// - Revoked credentials and removed members lose their sockets at once.
// Each event is serialized once and the same string is sent to every socket.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { DialogSummary, OperatorEvent } from '../../core/protocol/index.js';
import { type DialogRouting, viewOf } from '../db/dialogs.js';
import type { DomainEvent, EventBus } from './bus.js';
import type { PendingVisitor } from '../services/dialogs.js';
import { visitorMessage } from '../services/present.js';

export interface OperatorConn {
  socket: WebSocket;
  projectId: number;
  userId: number;
  credentialId: number;
}

export interface VisitorConn {
  socket: WebSocket;
  projectId: number;
  /** Null while the visitor is not stored: the tab is then known by `pending`. */
  visitorId: number | null;
  pending?: PendingVisitor;
}

export const CLOSE = {
  revoked: { code: 4001, reason: 'session ended' },
  removed: { code: 4003, reason: 'no longer a member' },
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const;

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

/** Sockets corked in this tick, uncorked together on the next. */
const corked = new Set<Socket>();
const uncorkAll = () => {
  for (const raw of corked) raw.uncork();
  corked.clear();
};

/**
 * Sends one frame. Every frame written to a socket within one tick of the event loop (a group
 * commit publishes all of its events in one) leaves in one write: the TCP socket under the
 * WebSocket (ws's `_socket`) is corked at the first and uncorked on the next tick.
 */
function send(socket: WebSocket, data: string) {
  if (socket.readyState !== 1) return;
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (raw && !corked.has(raw)) {
    raw.cork();
    if (corked.size === 0) process.nextTick(uncorkAll);
    corked.add(raw);
  }
  socket.send(data);
}

export class Hub {
  private operatorsByProject = new Map<number, Set<OperatorConn>>();
  private visitorsById = new Map<number, Set<VisitorConn>>();
  private visitorsByProject = new Map<number, Set<VisitorConn>>();
  /** Tabs of visitors not stored yet, by their token's hash. */
  private pendingByToken = new Map<string, Set<VisitorConn>>();
  private unsubscribe: Array<() => void> = [];

  constructor(bus: EventBus) {
    const on = <T extends DomainEvent['type']>(type: T, fn: (e: Extract<DomainEvent, { type: T }>) => void) =>
      this.unsubscribe.push(bus.subscribe(type, fn));

    on('dialog.created', (e) => this.dialogToOperators(e.projectId, 'dialog.created', e.dialog, e.routing));
    on('dialog.updated', (e) => this.dialogToOperators(e.projectId, 'dialog.updated', e.dialog, e.routing));
    on('groups.changed', (e) => this.toOperators(e.projectId, { type: 'groups.changed' }));
    on('visitor.stored', (e) => this.visitorStored(e.projectId, e.tokenHash, e.visitorId));
    on('visitor.updated', (e) =>
      this.toOperators(e.projectId, { type: 'visitor.updated', visitor: e.visitor, dialogId: e.dialogId }),
    );
    on('message.created', (e) => {
      this.toOperators(e.projectId, { type: 'message.created', message: e.message });
      const m = visitorMessage(e.message);
      if (m) this.toVisitor(e.visitorId, { type: 'message', message: m });
    });
    on('message.updated', (e) => {
      this.toOperators(e.projectId, { type: 'message.updated', message: e.message });
      if (e.reason === 'delivered') return;
      const m = visitorMessage(e.message);
      if (m) this.toVisitor(e.visitorId, { type: 'message', message: m });
    });
    on('typing', (e) => {
      const frame: OperatorEvent = { type: 'typing', dialogId: e.dialogId, who: e.who, userId: e.userId };
      if (e.who === 'visitor') this.toOperators(e.projectId, frame);
      else {
        this.toOperators(e.projectId, frame, e.userId);
        this.toVisitor(e.visitorId, { type: 'typing' });
      }
    });
    on('operator.status_changed', (e) => {
      this.toOperators(e.projectId, {
        type: 'operator.status_changed',
        userId: e.userId,
        online: e.online,
        operatorsOnline: e.operatorsOnline,
      });
      this.toProjectVisitors(e.projectId, { type: 'operators', online: e.operatorsOnline > 0 });
    });
    on('operator.schedule_changed', (e) => this.toOperators(e.projectId, { type: 'operator.schedule_changed', userId: e.userId }));
    on('user.credentials_revoked', (e) => {
      const revoked = new Set(e.credentialIds);
      this.closeOperators(this.operatorsByProject.keys(), (c) => revoked.has(c.credentialId), CLOSE.revoked);
    });
    on('member.removed', (e) => {
      this.closeOperators([e.projectId], (c) => c.userId === e.userId, CLOSE.removed);
    });
  }

  addOperator(conn: OperatorConn): () => void {
    addTo(this.operatorsByProject, conn.projectId, conn);
    return () => removeFrom(this.operatorsByProject, conn.projectId, conn);
  }

  /**
   * Registers a widget socket. Operators hear when a visitor's first tab opens and their last
   * closes: an undelivered reply is then explained ("the visitor left the page"). A tab of a
   * visitor not stored yet counts from when the visitor is.
   */
  addVisitor(conn: VisitorConn): () => void {
    addTo(this.visitorsByProject, conn.projectId, conn);
    if (conn.visitorId !== null) this.attach(conn, conn.visitorId);
    else addTo(this.pendingByToken, conn.pending!.tokenHash, conn);
    return () => {
      removeFrom(this.visitorsByProject, conn.projectId, conn);
      if (conn.visitorId === null) return removeFrom(this.pendingByToken, conn.pending!.tokenHash, conn);
      removeFrom(this.visitorsById, conn.visitorId, conn);
      if (this.visitorSocketCount(conn.visitorId) === 0) {
        this.toOperators(conn.projectId, { type: 'visitor.presence', visitorId: conn.visitorId, online: false });
      }
    };
  }

  /** The pending visitor of an open tab with this token, for a first file sent before any message. */
  pendingVisitor(projectId: number, tokenHash: string): PendingVisitor | undefined {
    for (const c of this.pendingByToken.get(tokenHash) ?? []) if (c.projectId === projectId) return c.pending;
    return undefined;
  }

  /** The visitor of a token is stored: every open tab of it is theirs from now on. */
  visitorStored(projectId: number, tokenHash: string, visitorId: number) {
    const conns = this.pendingByToken.get(tokenHash);
    if (!conns) return;
    for (const c of [...conns]) {
      if (c.projectId !== projectId) continue;
      removeFrom(this.pendingByToken, tokenHash, c);
      c.visitorId = visitorId;
      c.pending = undefined;
      this.attach(c, visitorId);
    }
  }

  private attach(conn: VisitorConn, visitorId: number) {
    const first = this.visitorSocketCount(visitorId) === 0;
    addTo(this.visitorsById, visitorId, conn);
    if (first) this.toOperators(conn.projectId, { type: 'visitor.presence', visitorId, online: true });
  }

  /** How many widget sockets a visitor has open (a delivery failure reason for operators). */
  visitorSocketCount(visitorId: number): number {
    return this.visitorsById.get(visitorId)?.size ?? 0;
  }

  counts() {
    let operators = 0;
    let visitors = 0;
    for (const s of this.operatorsByProject.values()) operators += s.size;
    for (const s of this.visitorsByProject.values()) visitors += s.size;
    return { operators, visitors };
  }

  closeAll(): void {
    for (const set of [...this.operatorsByProject.values(), ...this.visitorsByProject.values()]) {
      for (const c of set) c.socket.close(CLOSE.shutdown.code, CLOSE.shutdown.reason);
    }
    this.unsubscribe.forEach((u) => u());
  }

  /**
   * Closes operator sockets, and unsubscribes them now rather than when the close handshake
   * ends: from this call on they receive nothing of the project.
   */
  private closeOperators(
    projectIds: Iterable<number>,
    match: (c: OperatorConn) => boolean,
    how: { code: number; reason: string },
  ) {
    for (const projectId of [...projectIds]) {
      for (const c of [...(this.operatorsByProject.get(projectId) ?? [])]) {
        if (!match(c)) continue;
        removeFrom(this.operatorsByProject, projectId, c);
        c.socket.close(how.code, how.reason);
      }
    }
  }

  private toOperators(projectId: number, event: OperatorEvent, exceptUserId?: number) {
    const conns = this.operatorsByProject.get(projectId);
    if (!conns) return;
    const data = JSON.stringify(event);
    for (const c of conns) if (c.userId !== exceptUserId) send(c.socket, data);
  }

  /** A dialog event, serialized once per view (at most three strings), each operator getting theirs. */
  private dialogToOperators(
    projectId: number,
    type: 'dialog.created' | 'dialog.updated',
    dialog: DialogSummary,
    routing: DialogRouting | undefined,
  ) {
    if (!routing) return this.toOperators(projectId, { type, dialog });
    const conns = this.operatorsByProject.get(projectId);
    if (!conns) return;
    const byView = new Map<string, string>();
    const subject = { status: dialog.status, assigneeId: dialog.assignee?.id ?? null };
    for (const c of conns) {
      const view = viewOf(c.userId, subject, routing);
      let data = byView.get(view);
      if (data === undefined) byView.set(view, (data = JSON.stringify({ type, dialog: { ...dialog, view } })));
      send(c.socket, data);
    }
  }

  private toVisitor(visitorId: number, frame: unknown) {
    const conns = this.visitorsById.get(visitorId);
    if (!conns) return;
    const data = JSON.stringify(frame);
    for (const c of conns) send(c.socket, data);
  }

  private toProjectVisitors(projectId: number, frame: unknown) {
    const conns = this.visitorsByProject.get(projectId);
    if (!conns) return;
    const data = JSON.stringify(frame);
    for (const c of conns) send(c.socket, data);
  }
}
