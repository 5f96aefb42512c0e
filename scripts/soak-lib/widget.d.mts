// Types of widget.mjs for the TypeScript tests that use it.
import { EventEmitter } from 'node:events';

export interface VisitorMessage {
  id: number;
  seq: number;
  rev: number;
  author: 'visitor' | 'operator';
  body: string;
  clientId?: string;
  createdAt: string;
}

export interface Welcome {
  token: string;
  dialog: { id: number; status: string } | null;
  messages: VisitorMessage[];
}

export interface NodeWidgetOptions {
  url: string | (() => string);
  widgetKey: string;
  origin: string;
  backoff?: { initialMs?: number; maxMs?: number };
  reconnect?: boolean;
  ack?: boolean;
}

export class NodeWidget extends EventEmitter {
  constructor(opts: NodeWidgetOptions);
  token: string | null;
  rev: number;
  dialogId: number | null;
  readonly messages: Map<number, VisitorMessage>;
  readonly pending: Map<string, { body: string }>;
  readonly stored: Map<string, VisitorMessage>;
  readonly welcomes: Welcome[];
  readonly errors: Array<{ code: string; message: string; ref?: string }>;
  /** Copies received per message id (the sender's own message comes twice: stored, and pushed). */
  readonly receipts: Map<number, number>;
  resent: number;
  online: boolean;
  closed: boolean;
  connect(): this;
  start(): this;
  send(body: string): string;
  drop(): void;
  close(): void;
}
