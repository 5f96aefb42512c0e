// The event bus: services publish domain events after their writes commit; listeners
// (socket sessions, the mailer, the Telegram bridge) react. In one process it is an
// EventEmitter; a Redis or NATS bus can implement the same interface for several processes.
import { EventEmitter } from 'node:events';

export type DomainEvent =
  | { type: 'user.credentials_revoked'; userId: number; credentialIds: number[] }
  | { type: 'member.added'; projectId: number; userId: number }
  | { type: 'member.updated'; projectId: number; userId: number }
  | { type: 'member.removed'; projectId: number; userId: number }
  | { type: 'user.updated'; userId: number }
  | { type: 'mail.enqueued'; mailId: number };

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
