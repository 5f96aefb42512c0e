// The connection to the server, the operator's own online status and why, the last notice, and
// the bell setting: everything the status bar shows.
import type { OperatorStatusReply } from '../../core/client/api.js';
import type { TelegramLinkReply } from '../../core/protocol/index.js';
import type { StateChange } from '../../core/client/realtime.js';
import { localZone } from '../../core/time-zone.js';

/** What the status bar needs of GET /projects/:id/status. */
export type OperatorStatus = Pick<OperatorStatusReply, 'online' | 'source' | 'hasSchedule' | 'until' | 'explanation'>;

export interface ConnectionView {
  socket: StateChange;
  /** When the socket's state last changed (the session's clock): a retry's wait counts down from it. */
  socketAt: number;
  /** The operator's status in the project (null until the server said). */
  status: OperatorStatus | null;
  /**
   * The last thing that went wrong (or was done), shown until the next one, or until what it
   * describes is over (`until`: "it goes with your next message" is wrong once the message went).
   */
  notice: { text: string; shorter?: readonly string[]; error: boolean; until?: readonly NoticeEnd[] } | null;
  /** Ring the terminal bell on a new dialog or message in My messages. */
  bell: boolean;
  /** The last Telegram link asked for (g), shown in its window. */
  telegramLink: TelegramLinkReply | null;
  /** Why the session ended (signed out, revoked, expired, no longer a member); null while it lasts. */
  ended: string | null;
}

/**
 * What a notice says: one text, or its wordings longest first ("no dialog is open: Enter on one in
 * a pane opens it", "open a dialog (Enter on one)"), of which a narrow status bar takes the
 * first that fits. A key hint ends a wording in parentheses, so that cutting the last wording
 * keeps the key whole (cut.ts cutBeforeHint).
 */
export type NoticeText = string | readonly [string, ...string[]];

/**
 * What ends a notice's state: the composer's message went, another dialog was opened, or the
 * server answers again, on the socket or to a request ("cannot reach the server" is wrong then).
 */
export type NoticeEnd = 'sent' | 'opened' | 'connected';

export type ConnectionAction =
  /** `at`: the session clock's time when it changed. */
  | { type: 'socket'; change: StateChange; at: number }
  | { type: 'status'; status: OperatorStatus }
  /** A live `operator.status_changed`: only the switch itself is known, the reason comes later. */
  | { type: 'online'; online: boolean }
  | { type: 'notice'; text: NoticeText | null; error?: boolean; until?: readonly NoticeEnd[] }
  /** Clears the notice if this ends what it describes. */
  | { type: 'over'; what: NoticeEnd }
  | { type: 'bell'; on: boolean }
  | { type: 'telegramLink'; link: TelegramLinkReply }
  | { type: 'ended'; reason: string };

export const initialConnection: ConnectionView = {
  socket: { state: 'connecting', attempt: 0 },
  socketAt: 0,
  status: null,
  notice: null,
  bell: true,
  telegramLink: null,
  ended: null,
};

export function reduceConnection(state: ConnectionView, action: ConnectionAction): ConnectionView {
  switch (action.type) {
    case 'socket': {
      const next = { ...state, socket: action.change, socketAt: action.at };
      return action.change.state === 'online' ? reduceConnection(next, { type: 'over', what: 'connected' }) : next;
    }
    case 'status':
      return { ...state, status: action.status };
    case 'online':
      if (state.status?.online === action.online) return state;
      return {
        ...state,
        status: state.status
          ? { ...state.status, online: action.online, explanation: action.online ? 'online' : 'offline' }
          : { online: action.online, source: 'manual', hasSchedule: false, until: null, explanation: action.online ? 'online' : 'offline' },
      };
    case 'notice': {
      if (action.text === null) return { ...state, notice: null };
      const [text, ...shorter] = typeof action.text === 'string' ? [action.text] : action.text;
      return { ...state, notice: { text, ...(shorter.length ? { shorter } : {}), error: action.error ?? true, until: action.until } };
    }
    case 'over':
      return state.notice?.until?.includes(action.what) ? { ...state, notice: null } : state;
    case 'bell':
      return state.bell === action.on ? state : { ...state, bell: action.on };
    case 'telegramLink':
      return { ...state, telegramLink: action.link };
    case 'ended':
      return state.ended === null ? { ...state, ended: action.reason } : state;
  }
}

/** How long until the socket tries again (`elapsed`: since it said so), or null when it is not waiting to. */
export const retryLeft = ({ state, retryInMs }: StateChange, elapsed = 0): number | null =>
  state === 'offline' && retryInMs !== undefined ? Math.max(0, retryInMs - elapsed) : null;

/**
 * The connection in words; `elapsed`: how long ago it changed, for the seconds until the next try
 * to count down. `brief`: the state alone, for a notice to have the room.
 */
export function describeSocket(change: StateChange, elapsed = 0, brief = false): string {
  const { state, reason } = change;
  if (state === 'online') return 'connected';
  if (state === 'connecting') return 'connecting…';
  if (brief) return 'disconnected';
  const left = retryLeft(change, elapsed);
  const retry = left === null ? '' : left > 0 ? `, retrying in ${Math.ceil(left / 1000)} s` : ', retrying…';
  return `disconnected${reason ? ` (${reason})` : ''}${retry}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A moment's wall clock in `zone`: its day (as a UTC date, for counting days) and its words. */
function wallClock(at: Date, zone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  return { day: Date.UTC(year, month - 1, day), time: `${parts.hour}:${parts.minute}`, weekday: parts.weekday, date: `${day} ${MONTHS[month - 1]}` };
}

/**
 * "18:00" today, "09:00 Tue" within the week, "09:00 Fri 4 Dec" later, in the project's time
 * zone (`zone`, the one its schedules are in); named after the time when the terminal's zone is
 * another ("18:00 (Europe/Berlin)"), as over SSH to a server in UTC.
 */
export function describeWhen(iso: string, now: number, zone = localZone(), terminalZone = localZone()): string {
  const at = wallClock(new Date(iso), zone);
  const today = wallClock(new Date(now), zone);
  const days = Math.round((at.day - today.day) / 86_400_000);
  const when = days === 0 ? at.time : days > 0 && days < 7 ? `${at.time} ${at.weekday}` : `${at.time} ${at.weekday} ${at.date}`;
  return zone === terminalZone ? when : `${when} (${zone})`;
}

/**
 * Online by the operator's own switch (no schedule put them there): quitting the TUI would leave
 * visitors writing to nobody, so quitting asks first.
 */
export const onlineByHand = (s: OperatorStatus | null): boolean => !!s && s.online && s.source === 'manual';

/**
 * The status bar's words for the operator's status: what it is, why, and what `o` will do. A
 * schedule drives the status unless switched by hand, and a manual switch lasts until the
 * schedule's next boundary. `brief`: what it is, no more (a notice needs the room). `zone`: the
 * project's time zone (default: the terminal's). `key` null: the key does not work where the
 * keys go now (the composer, where `o` is text), so what it would do is not offered.
 */
export function describeStatus(status: OperatorStatus | null, key: string | null, now = Date.now(), brief = false, zone?: string): string {
  if (!status) return 'status …';
  const state = status.online ? 'online' : 'offline';
  if (brief) return state;
  const flip = status.online ? 'offline' : 'online';
  if (!status.hasSchedule) return key === null ? `${state} (manual)` : `${state} (manual; ${key}: go ${flip})`;
  const until = status.until ? ` until ${describeWhen(status.until, now, zone)}` : '';
  const why = status.source === 'schedule' ? `by schedule${until}` : `switched by hand${until}, then the schedule`;
  return key === null ? `${state} ${why}` : `${state} ${why} (${key}: ${flip}${until || ' until the next scheduled change'})`;
}
