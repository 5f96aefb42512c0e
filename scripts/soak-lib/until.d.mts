// Types of until.mjs for the TypeScript tests that use it.
export function until(
  what: string,
  emitters: Array<{ on(event: string, listener: () => void): unknown; off(event: string, listener: () => void): unknown }>,
  event: string,
  check: () => unknown,
  timeoutMs?: number,
): Promise<void>;
