// Time that moves only when the test says so (the 5 s delivery deadline, the backoff), for
// OperatorConnection's injectable clock.
export class ManualTime {
  t = Date.now();
  private timers = new Set<{ at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn };
    this.timers.add(timer);
    return timer;
  };
  clearTimeout = (timer: unknown) => {
    this.timers.delete(timer as { at: number; fn: () => void });
  };
  /** Timers armed and not yet fired or cleared. */
  get pending() {
    return this.timers.size;
  }
  advance(ms: number) {
    this.t += ms;
    for (;;) {
      const due = [...this.timers].filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.timers.delete(due);
      due.fn();
    }
  }
}
