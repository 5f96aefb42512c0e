// The operator's "typing…" as the visitor sees it. The widget shows it for 4 s after each signal
// (widget/view.ts) and throttles the visitor's own signals to one per 3 s (widget/chat.ts); the
// server passes every frame on. One signal per 3 s while keys come keeps the indicator up without
// a gap and without a frame per key.
export const TYPING_EVERY_MS = 3_000;

/** The last signal sent: to which dialog, and when. */
export interface TypingSent {
  dialogId: number;
  at: number;
}

/** Whether a keystroke at `now` in `dialogId` tells the visitor (a signal to another dialog does not count). */
export function typingDue(last: TypingSent | null, dialogId: number, now: number): boolean {
  return last === null || last.dialogId !== dialogId || now - last.at >= TYPING_EVERY_MS;
}
