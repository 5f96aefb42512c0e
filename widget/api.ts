// The site's JavaScript API: `parley(COMMAND, ...ARGS)`. The snippet's stub queues calls made
// before this script has loaded:
//   window.parley = window.parley || function(){(parley.q = parley.q || []).push(arguments)};
// and the script, once it runs, takes the queue and puts the real function in the stub's place.
// Calls (queued or not) run in order once the widget is up (its view drawn). A bad call is never
// thrown into the site's code: one console.warn says what is wrong, and nothing else happens.
// The tab's placement and theme come from the script tag's data-* attributes first, then from
// `parley('config', {...})`, before or after load.

/** What the site passes to identify: its signed-in customer (the card's real name, email, phone). */
export interface Identity {
  realName?: string | null;
  email?: string | null;
  phone?: string | null;
}

export type Theme = 'light' | 'dark' | 'auto';

/** Where the tab is and how it looks (the config keys); null: the default. */
export interface Look {
  position: 'left' | 'right';
  offsetX: number | null;
  offsetY: number | null;
  zIndex: number | null;
  theme: Theme;
}

/** What the conversation (chat.ts) does for the API. */
export interface Controls {
  open(): void;
  close(): void;
  toggle(): void;
  hide(): void;
  show(): void;
  identify(who: Identity): void;
  look(look: Look): void;
}

const EVENTS = ['open', 'close', 'message', 'ready'];
export type ApiEvent = 'open' | 'close' | 'message' | 'ready';
type Listener = (detail?: unknown) => void;

/** How far (px) the tab may be moved from the window's corner: more would push it off a phone's screen. */
const MAX_OFFSET = 400;
const MAX_Z_INDEX = 2147483647;
/** The card's limits (UpdateCardBody): a longer value would only be refused by the server. */
const IDENTITY_FIELDS: Record<string, [keyof Identity, number]> = { name: ['realName', 200], email: ['email', 254], phone: ['phone', 60] };

const warn = (problem: string) => console.warn(`Parley widget: ${problem}`);
/** `key` is one of `table`'s own (not "constructor", which every object has). */
const own = (table: object, key: string) => Object.prototype.hasOwnProperty.call(table, key);
const quote = (v: unknown) => (typeof v === 'string' ? `"${v.slice(0, 40)}"` : String(v));

const DEFAULT_LOOK: Look = { position: 'right', offsetX: null, offsetY: null, zIndex: null, theme: 'auto' };
/** The script tag's attribute of each setting. */
const ATTRIBUTES: Record<keyof Look, string> = { position: 'position', offsetX: 'offset-x', offsetY: 'offset-y', zIndex: 'z-index', theme: 'theme' };

/**
 * One setting of the look from what the site gave (`raw`: an attribute's text or a config value):
 * its value, or, with a word in `problems` (naming it as the site wrote it: `label`), the default.
 */
function setting<K extends keyof Look>(key: K, label: string, raw: unknown, problems: string[]): Look[K] {
  let problem: string;
  if (key === 'position' || key === 'theme') {
    const values = key === 'position' ? ['left', 'right'] : ['light', 'dark', 'auto'];
    if (values.includes(raw as string)) return raw as Look[K];
    problem = key === 'position' ? 'is "left" or "right"' : 'is "light", "dark" or "auto"';
  } else {
    const max = key === 'zIndex' ? MAX_Z_INDEX : MAX_OFFSET;
    // An attribute's text, or a number (a config value given as text is taken too).
    const n = typeof raw === 'number' || (typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)) ? Number(raw) : NaN;
    if (Number.isInteger(n) && n >= 0 && n <= max) return n as Look[K];
    problem = `is a whole number ${key === 'zIndex' ? '' : 'of pixels '}from 0 to ${max}`;
  }
  problems.push(`${label} ${problem}, not ${quote(raw)}; the default is used`);
  return DEFAULT_LOOK[key];
}

/** The look the script tag asks for (data-position, data-offset-x, data-offset-y, data-z-index, data-theme). */
function lookOfScript(script: HTMLScriptElement): Look {
  const look = { ...DEFAULT_LOOK };
  const problems: string[] = [];
  for (const key of Object.keys(DEFAULT_LOOK) as Array<keyof Look>) {
    const raw = script.dataset[key];
    if (raw !== undefined) (look as Record<string, unknown>)[key] = setting(key, `data-${ATTRIBUTES[key]}`, raw, problems);
  }
  if (problems.length) warn(problems.join('; '));
  return look;
}

/**
 * Installs `window.parley` for the widget of `script`, taking over the calls the stub queued.
 * They wait for `attach`, with the widget's controls, and then run in order; `emit` tells the
 * site's listeners.
 */
export function siteApi(script: HTMLScriptElement) {
  const page = window as unknown as { parley?: { q?: ArrayLike<unknown>[] } & ((...args: unknown[]) => void) };
  const waiting: unknown[][] = Array.from(page.parley?.q ?? [], (args) => Array.from(args));
  const listeners = new Map<string, Listener[]>();
  let controls: Controls | null = null;
  let ready = false;
  let look = lookOfScript(script);

  const call = (fn: Listener, detail?: unknown) => {
    try {
      fn(detail);
    } catch (err) {
      console.error('Parley widget: a listener of the site threw', err);
    }
  };

  const emit = (event: ApiEvent, detail?: unknown) => {
    if (event === 'ready') ready = true;
    for (const fn of [...(listeners.get(event) ?? [])]) call(fn, detail);
  };

  function identify(who: unknown): void {
    if (!who || typeof who !== 'object' || Array.isArray(who)) return warn('identify takes an object: parley("identify", {name, email, phone})');
    const out: Identity = {};
    for (const [key, value] of Object.entries(who)) {
      const field = own(IDENTITY_FIELDS, key) && IDENTITY_FIELDS[key];
      if (!field) return warn(`identify takes name, email and phone, not "${key.slice(0, 40)}"`);
      // Not given, as when left out: `{ phone: user.phone }` for a customer without one.
      if (value === undefined) continue;
      if (value !== null && typeof value !== 'string') return warn(`identify: ${key} is a string (or null to clear it), not ${typeof value}`);
      if (value && value.length > field[1]) return warn(`identify: ${key} is at most ${field[1]} characters`);
      out[field[0]] = value;
    }
    if (Object.keys(out).length) controls!.identify(out);
  }

  function config(options: unknown): void {
    if (!options || typeof options !== 'object' || Array.isArray(options)) return warn('config takes an object: parley("config", {position, offsetX, offsetY, zIndex, theme})');
    const next = { ...look };
    const problems: string[] = [];
    for (const [key, raw] of Object.entries(options)) {
      if (own(DEFAULT_LOOK, key)) (next as Record<string, unknown>)[key] = setting(key as keyof Look, key, raw, problems);
      else problems.push(`config has no "${key.slice(0, 40)}" (position, offsetX, offsetY, zIndex, theme)`);
    }
    if (problems.length) warn(problems.join('; '));
    look = next;
    controls!.look(look);
  }

  function listen(on: boolean, event: unknown, fn: unknown): void {
    const how = `parley("${on ? 'on' : 'off'}", EVENT, FUNCTION)`;
    if (typeof event !== 'string' || !EVENTS.includes(event)) return warn(`${how}: EVENT is one of ${EVENTS.join(', ')}, not ${quote(event)}`);
    if (typeof fn !== 'function' && (on || fn !== undefined)) return warn(`${how}: FUNCTION is a function`);
    const list = listeners.get(event) ?? [];
    if (on) {
      listeners.set(event, [...list, fn as Listener]);
      // Too late to hear it: the widget is up already.
      if (event === 'ready' && ready) call(fn as Listener);
    } else listeners.set(event, fn ? list.filter((l) => l !== fn) : []);
  }

  function run([command, ...args]: unknown[]): void {
    const c = controls!;
    switch (command) {
      case 'open':
        return c.open();
      case 'close':
        return c.close();
      case 'toggle':
        return c.toggle();
      case 'hide':
        return c.hide();
      case 'show':
        return c.show();
      case 'identify':
        return identify(args[0]);
      case 'config':
        return config(args[0]);
      case 'on':
      case 'off':
        return listen(command === 'on', args[0], args[1]);
      default:
        warn(`unknown command ${quote(command)}; the commands are open, close, toggle, hide, show, identify, config, on, off`);
    }
  }

  // The real function, in the stub's place: a snippet run again (`window.parley || …`) keeps it.
  page.parley = (...args: unknown[]) => {
    if (controls) run(args);
    else waiting.push(args);
  };

  return {
    emit,
    attach(widget: Controls) {
      controls = widget;
      controls.look(look);
      for (const args of waiting.splice(0)) run(args);
    },
  };
}
