// The event bus: services publish domain events after their writes commit; listeners
// (socket sessions, the mailer, the Telegram bridge) react. In one process it is an
// EventEmitter; a Redis or NATS bus can implement the same interface for several processes.
import { EventEmitter } from 'node:events';
import type { DialogSummary, Message, Visitor } from '../../core/protocol/index.js';
import type { DialogRouting } from '../db/dialogs.js';

export type DomainEvent =
  | { type: 'user.credentials_revoked'; userId: number; credentialIds: number[] }
  | { type: 'member.added'; projectId: number; userId: number }
  | { type: 'member.updated'; projectId: number; userId: number }
  | { type: 'member.removed'; projectId: number; userId: number }
  | { type: 'user.updated'; userId: number }
  | { type: 'mail.enqueued'; mailId: number }
  // Dialog events carry what they announce, already presented, so a bus across processes works;
  // `routing` lets the hub tell each operator the dialog's view (read with the dialog).
  | { type: 'dialog.created'; projectId: number; dialog: DialogSummary; routing?: DialogRouting }
  /**
   * `assignedBy`: the dialog was just given to its assignee by this other member.
   * `releasedFrom`: its assignee no longer answers in the project (removed, role taken away,
   * account disabled), and it went back to its group or, under round-robin, to the next operator.
   * `waited`: under round-robin it waited for an operator of its group (nobody was online), and
   * went to one who is online now.
   */
  | {
      type: 'dialog.updated';
      projectId: number;
      dialog: DialogSummary;
      routing?: DialogRouting;
      assignedBy?: { id: number; name: string };
      releasedFrom?: { id: number; name: string };
      waited?: true;
    }
  /** Groups or their members changed: operators reload their views. */
  | { type: 'groups.changed'; projectId: number }
  | { type: 'message.created'; projectId: number; visitorId: number; message: Message }
  /**
   * A message again: edited (everyone sees the new text), delivered (operators only), or
   * resent by its operator with the same clientId (pushed to the visitor once more).
   */
  | {
      type: 'message.updated';
      projectId: number;
      visitorId: number;
      message: Message;
      reason: 'edited' | 'delivered' | 'resent';
    }
  | { type: 'visitor.updated'; projectId: number; dialogId: number; visitor: Visitor }
  /** A visitor was stored at their first message or file: their open tabs are theirs from now. */
  | { type: 'visitor.stored'; projectId: number; tokenHash: string; visitorId: number }
  | {
      type: 'typing';
      projectId: number;
      dialogId: number;
      visitorId: number;
      who: 'visitor' | 'operator';
      userId?: number;
    }
  | { type: 'operator.status_changed'; projectId: number; userId: number; online: boolean; operatorsOnline: number }
  /** Why an operator is online or offline changed, not whether (a schedule set, cleared, or a manual switch's end now known). */
  | { type: 'operator.schedule_changed'; projectId: number; userId: number };

export type DomainEventType = DomainEvent['type'];
type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

export interface EventBus {
  publish(event: DomainEvent): void;
  subscribe<T extends DomainEventType>(type: T, listener: (event: EventOf<T>) => void): () => void;
}

export function createLocalBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(event) {
      emitter.emit(event.type, event);
    },
    subscribe(type, listener) {
      emitter.on(type, listener as (e: DomainEvent) => void);
      return () => emitter.off(type, listener as (e: DomainEvent) => void);
    },
  };
}
