// What an operator client holds of each dialog, so that after a reconnect it asks the server for
// exactly what it missed, and shows each change once.
//
// Every change to a dialog's messages (created, edited, delivered) bumps the dialog's `rev` and
// stamps it on the message; `resume {dialogs: {id: rev}}` answers with every message whose rev
// is above. Live events of one dialog can arrive slightly out of rev order (the server publishes
// after each commit, and two commits race), so the rev we resume from is a watermark: the
// highest rev below which we have seen everything, not simply the highest seen. Duplicates (a
// live event that the resume answer repeats, a resend pushed again) are dropped by message id
// and rev.
import type { DialogSummary, Message } from '../protocol/dialogs.js';

interface DialogCursor {
  /** Every change up to this rev is known. */
  rev: number;
  /** Revs seen above the watermark, waiting for the gap below them to fill. */
  above: Set<number>;
  /**
   * Messages up to this seq were held without passing through here (loaded over REST, or there
   * before we first saw the dialog): an unseen one at or below it is an update, above it new.
   */
  heldSeq: number;
  /**
   * For a dialog found only after a reconnect: messages created before this server time were
   * there before we lost the connection and are not news.
   */
  floor: string | null;
}

export type Verdict = 'created' | 'updated';

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

export class ResumeLog {
  private dialogs = new Map<number, DialogCursor>();
  /** message id -> the highest rev shown. */
  private seen = new Map<number, number>();
  /** The newest server timestamp seen (message creation, dialog activity), ISO. */
  serverMark: string | null = null;

  has(dialogId: number): boolean {
    return this.dialogs.has(dialogId);
  }

  /** The rev to resume a dialog from, or undefined for a dialog never seen. */
  revOf(dialogId: number): number | undefined {
    return this.dialogs.get(dialogId)?.rev;
  }

  /**
   * Declares what the caller holds of a dialog (loaded over REST at `rev`). Never lowers what
   * is already known.
   */
  track(dialogId: number, rev: number, lastSeq = 0, floor: string | null = null): void {
    const c = this.dialogs.get(dialogId);
    if (!c) {
      this.dialogs.set(dialogId, { rev, above: new Set(), heldSeq: lastSeq, floor });
      return;
    }
    c.heldSeq = Math.max(c.heldSeq, lastSeq);
    if (rev > c.rev) {
      c.rev = rev;
      this.settle(c);
    }
  }

  /** A dialog summary from a listing: moves the mark of server time forward. */
  noteActivity(summary: Pick<DialogSummary, 'lastMessageAt'>): void {
    this.serverMark = later(this.serverMark, summary.lastMessageAt);
  }

  /**
   * A copy of a message from the server. Returns null when this revision (or a newer one) was
   * already shown, else whether it is a message new to the client or a change to a known one.
   */
  accept(m: Message): Verdict | null {
    const shown = this.seen.get(m.id);
    if (shown !== undefined && shown >= m.rev) return null;
    let c = this.dialogs.get(m.dialogId);
    if (!c) {
      // First sight: nothing earlier is ours to resume.
      c = { rev: m.rev - 1, above: new Set(), heldSeq: m.seq - 1, floor: null };
      this.dialogs.set(m.dialogId, c);
    }
    this.seen.set(m.id, m.rev);
    this.serverMark = later(this.serverMark, m.createdAt);
    if (m.rev > c.rev) {
      c.above.add(m.rev);
      this.settle(c);
    }
    return shown === undefined && m.seq > c.heldSeq ? 'created' : 'updated';
  }

  /** The `dialogs` of a resume frame. */
  resumeFrame(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, c] of this.dialogs) out[id] = c.rev;
    return out;
  }

  /**
   * The server's answer to a resume for one dialog: what it missed, each once, in seq order.
   * Everything up to the highest rev in the answer is now known (the answer held every message
   * changed after our watermark).
   */
  resumed(dialogId: number, messages: readonly Message[]): Array<{ verdict: Verdict; message: Message }> {
    const c = this.dialogs.get(dialogId);
    const floor = c?.floor ?? null;
    const out: Array<{ verdict: Verdict; message: Message }> = [];
    let top = 0;
    for (const m of messages) {
      top = Math.max(top, m.rev);
      if (c && floor !== null && m.createdAt < floor) {
        // There before we lost the connection: not news, but known from now on.
        this.seen.set(m.id, Math.max(this.seen.get(m.id) ?? 0, m.rev));
        c.heldSeq = Math.max(c.heldSeq, m.seq);
        continue;
      }
      const verdict = this.accept(m);
      if (verdict) out.push({ verdict, message: m });
    }
    const cursor = this.dialogs.get(dialogId);
    if (cursor) {
      cursor.floor = null;
      if (top > cursor.rev) {
        cursor.rev = top;
        this.settle(cursor);
      }
    }
    return out;
  }

  private settle(c: DialogCursor): void {
    for (const r of c.above) if (r <= c.rev) c.above.delete(r);
    while (c.above.delete(c.rev + 1)) c.rev += 1;
  }
}
