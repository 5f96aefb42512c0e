// Waiting for a condition without sleeping: `check()` is tried at once and again on every
// `event` of the emitters, until it holds or `timeoutMs` passes. Used by the soak script and by
// the tests that drive NodeWidgets.

/** Resolves when `check()` holds, checked again on every `event` of the emitters. */
export function until(what, emitters, event, check, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const test = () => {
      if (!check()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      for (const e of emitters) e.off(event, test);
    };
    for (const e of emitters) e.on(event, test);
    test();
  });
}
