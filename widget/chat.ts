// The visitor's side of the delivery contract (DESIGN.md):
// - a message is kept as *sending* under its clientId until the server says `message.stored`,
//   and resent with the same clientId after a reconnect (the server stores it once); a text
//   message is also kept in localStorage until then, so a reload or a closed tab loses none;
// - messages go out one at a time, in the order written: the next leaves when the server has
//   stored the previous (or refused it for good), so a rate limit, a retry or a slow upload
//   never lets a later message overtake an earlier one;
// - every operator message is acked once the widget holds it, drawn or kept to be drawn when
//   the visitor scrolls up to it (delivered, whether seen or not);
// - a page of the site starts from the dialog's newest page of messages; older pages are asked
//   for (`history`) as the visitor scrolls up to them;
// - an operator message is seen when the panel shows it on a visible page; the newest seen is
//   kept beside the token. One not seen opens the panel (live, or arriving with the history on a
//   later page) under a "New messages" divider, unless the visitor closed the panel on this
//   page: then the tab counts them; on a small screen, or while the visitor types into the
//   site, a line of it shows above the tab instead (the panel would cover the page);
// - the panel left open, and the text not sent, are there again on the site's next page in the
//   same tab (session storage);
// - after a reconnect, hello carries the rev and the newest seq held (the server then leaves out
//   the deliveries of what is held), and every message is shown once per id, redrawn only by a
//   higher rev that changes what it shows (an edit).
import { formatSize } from '../core/format-size.js';
import { groupNameTooLong } from '../core/name-length.js';
import { MAX_GROUP_NAME, normalizeGroupName } from '../core/protocol/constants.js';
import type { PageContext, VisitorMessage } from '../core/protocol/dialogs.js';
import type { ApiEvent, Controls, Identity } from './api.js';
import { BLOCKED, reconnectingSocket } from './socket.js';
import { cut } from './text.js';
import { createView } from './view.js';

export interface WidgetConfig {
  serverOrigin: string;
  widgetKey: string;
  group?: string;
}

interface Pending {
  body: string;
  page?: PageContext;
  failed: boolean;
  /** Refused for good (too large, an empty file): sending it again would be refused again. */
  final?: boolean;
  /** When it was written (ms, fractional): the order of kept messages across pages. */
  at: number;
  /** A file message: uploaded first (once; as soon as possible), then sent in its turn with the attachment's id. */
  file?: File;
  attachmentIds?: number[];
  /** Its upload on the way: aborted when the visitor cancels it. */
  upload?: XMLHttpRequest;
  /** Uploads lost on the network in a row: tried again, up to UPLOAD_TRIES. */
  uploadLosses?: number;
}

/** A text message not stored yet, as localStorage keeps it (a File cannot be kept there). */
interface Kept {
  body: string;
  page?: PageContext;
  /** Why it failed; absent while it is still to be sent. */
  failed?: string;
  /** The failure is a refusal for good: no retry. */
  final?: true;
  at: number;
}

interface Welcome {
  token: string;
  visitor: { name: string };
  operatorsOnline: boolean;
  dialog: { id: number; status: string } | null;
  widget?: { color: string | null; greeting: string | null };
  /** The rev to say at the next hello. */
  rev: number;
  /** The messages are every change since the hello's rev; else the dialog's newest page. */
  resumed: boolean;
  /** Messages older than the page exist. */
  more: boolean;
  messages: VisitorMessage[];
  /** The largest file the server takes (servers before it said nothing: they refuse it after the upload). */
  uploadMaxBytes?: number;
}

/** The answer to a `history` frame: the page before `before`. */
interface History {
  before: number;
  more: boolean;
  messages: VisitorMessage[];
}

/** The server's answer to a flood; try again after this long. */
const RATE_LIMIT_RETRY_MS = 2000;
/** The server takes a change of the card from identify once a minute after a burst: held back, the newest goes after this long. */
const IDENTIFY_RETRY_MS = 60_000;
/** The longest wait before uploading again: the server's upload limit counts a minute. */
const UPLOAD_WAIT_MAX_MS = 60_000;
/** At most one typing signal per this interval. */
const TYPING_EVERY_MS = 3000;
/** The server accepts at most this many ids per ack frame. */
const ACK_BATCH = 500;
/** An upload lost on the network this many times in a row is shown as not sent (a click retries). */
const UPLOAD_TRIES = 3;
/** Upload answers that the same file would get again: a bad or empty file, too large, a type not taken. */
const REFUSED_FOR_GOOD = new Set([400, 413, 415]);
/** The server closes a connection with this code for a frame over its limit. */
const CLOSE_TOO_BIG = 1009;
/** The server refuses this page's origin, or the widget key (asked for by `refusal=close`). */
const CLOSE_ORIGIN_REFUSED = 4403;
const CLOSE_UNKNOWN_KEY = 4404;
/** Too many widget connections from this address: the server is up; retried with the backoff. */
const CLOSE_BUSY = 4429;
/**
 * Pages asked for at the start of a page of the site, beyond the newest, to find where the
 * answers the visitor has not seen begin (a page is 50 messages): further back, the divider goes
 * above the oldest held.
 */
const LOOK_BACK_PAGES = 4;

/**
 * The embed's data-group as the server stores it and measures it ("Night   shift" is Night
 * shift), however many spaces it was written with. One too long even so can name no group: no
 * group, as an unknown name is (never an error to the visitor), and the site's owner reads why
 * in the console, in the server's words.
 */
function embedGroup(raw: string | undefined): string | undefined {
  const name = normalizeGroupName(raw ?? '');
  if ([...name].length > MAX_GROUP_NAME) {
    console.warn(`Parley widget: data-group names no group: ${groupNameTooLong(raw!)}`);
    return undefined;
  }
  // Within the cap in UTF-16 units too: cut() only makes a lone surrogate half well-formed.
  return name ? cut(name, 2 * MAX_GROUP_NAME) : undefined;
}

/**
 * The conversation of this page; `emit` tells the site's listeners (api.ts) what happened, and
 * what it returns is what the site's commands do.
 */
export function startChat(config: WidgetConfig, emit: (event: ApiEvent, detail?: unknown) => void): Controls {
  const tokenKey = `parley.visitor.${config.widgetKey}`;
  const seenKey = `parley.seen.${config.widgetKey}`;
  const outboxPrefix = `parley.outbox.${config.widgetKey}.`;
  // This tab's: the panel left open, the text not sent.
  const openKey = `parley.open.${config.widgetKey}`;
  const draftKey = `parley.draft.${config.widgetKey}`;
  const group = embedGroup(config.group);
  let token = read(tokenKey);
  /**
   * The id of the newest operator message the visitor has seen. A visitor from before this was
   * kept (a token, nothing seen stored) has seen their history: it does not pop the panel open.
   */
  let seen = token && read(seenKey) === null ? Infinity : Number(read(seenKey)) || 0;
  const messages = new Map<number, VisitorMessage>();
  /** Messages not stored yet, in the order written (a Map keeps insertion order). */
  const pending = new Map<string, Pending>();
  /** The message sent on this connection and not answered yet: the next waits for it. */
  let inFlight: string | null = null;
  /** Waiting before trying again (rate limited, storage busy): nothing leaves meanwhile. */
  let holding: ReturnType<typeof setTimeout> | undefined;
  const acks = new Set<number>();
  /**
   * The latest ids acked on this connection: a connection that drops may have lost them on the
   * way, so they go again on the next (the server records a delivery once).
   */
  const ackedHere = new Set<number>();
  let rev = 0;
  /** The newest seq held: said with `rev`, so that the deliveries of what we hold are not sent again. */
  let newestSeq = 0;
  /** Messages older than `oldest` exist on the server: shown when the visitor scrolls up to them. */
  let more = false;
  /** The oldest message held of the dialog's newest part, which is shown (null: none held). */
  let oldest: VisitorMessage | null = null;
  /** The `before` of the history page asked for and not answered yet. */
  let asking: number | null = null;
  /** History pages still to ask for to find where the answers not seen begin. */
  let lookBack = 0;
  /** The visitor closed the panel on this page: answers no longer open it by themselves. */
  let dismissed = false;
  /** How many answers were not seen has been said to a screen reader on this page. */
  let unreadSaid = false;
  let ready = false; // welcomed on the current connection
  let welcomed = false; // on any connection so far
  /**
   * The first connection has been answered (or none is tried: the browser is offline). Until then
   * this may be a page the server refuses, where even messages kept from earlier show no tab.
   */
  let answered = !navigator.onLine;
  /** Why the server refuses this page (its origin, the key, the page's own CSP), for good: the widget takes nothing. */
  let refusedWhy: string | null = null;
  let failures = 0;
  /** The page (address and title) the last page context sent was of. */
  let pageSent = '';
  /** The largest file the server takes, as its welcome said. */
  let uploadMax = Infinity;
  let typedAt = 0;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Uploads wait for this timer (refused for now, or lost): no upload starts meanwhile. */
  let uploadsHeld: ReturnType<typeof setTimeout> | undefined;
  /** The next wait when the server's Retry-After cannot be read. */
  let uploadWait = RATE_LIMIT_RETRY_MS;
  /**
   * Who the site says the visitor is (`parley('identify')`), as the server took it: said again on
   * every connection, first and on its own (a visitor not stored yet is kept by the connection).
   */
  let identity: Identity = {};
  /** What the site has said since and the server has not taken yet; the newest values win. */
  let toSay: Identity | null = null;
  /** What the identify on its way adds (one at a time: its answer says whether it was taken); null: none. */
  let saying: Identity | null = null;
  /** `identity` has been said on this connection. */
  let told = false;
  /** Waiting out the server's limit on identify: nothing is said meanwhile. */
  let whoHeld: ReturnType<typeof setTimeout> | undefined;

  const landing = landingPage(`parley.landing.${config.widgetKey}`, currentPage());

  const view = createView(config.serverOrigin, {
    // A lone half of a surrogate pair (pasted) would be refused as not Unicode: sent as U+FFFD.
    send: (body) => queue({ body: cut(body, body.length), failed: false, at: now() }),
    attach: (file) => queue({ body: '', file, failed: false, at: now() }),
    typing() {
      if (!ready || Date.now() - typedAt < TYPING_EVERY_MS) return;
      typedAt = Date.now();
      socket.send({ type: 'typing' });
    },
    retry(clientId) {
      const entry = pending.get(clientId);
      if (!entry || entry.final) return;
      entry.failed = false;
      keep(clientId, entry, null);
      entry.uploadLosses = 0;
      showPending(clientId, entry);
      uploadFiles();
      next();
    },
    // A failed message, or a file not uploaded yet (cancelled: no message goes, and those written
    // after it no longer wait for it).
    discard(clientId) {
      const entry = pending.get(clientId);
      if (!entry?.failed && !(entry?.file && !entry.attachmentIds)) return;
      entry.upload?.abort();
      pending.delete(clientId);
      unkeep(clientId);
      view.removePending(clientId);
      conversation();
      next();
    },
    opened() {
      write(openKey, '1', true);
      view.setUnread(0);
      if (visible()) reveal();
      emit('open');
    },
    shut() {
      remove(openKey, true);
      emit('close');
    },
    closed() {
      dismissed = true;
      showUnread();
    },
    draft: (text) => (text ? write(draftKey, text, true) : remove(draftKey, true)),
    older: askOlder,
  });

  /**
   * The text messages not stored yet, oldest first, each under a key of its own (so that tabs
   * writing at once never drop each other's): every tab of the site restores them, and a message
   * that two tabs send is stored once (its clientId).
   */
  function kept(): Array<[string, Kept]> {
    const out: Array<[string, Kept]> = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        const k = key?.startsWith(outboxPrefix) ? parseKept(read(key)) : null;
        if (k) out.push([key!.slice(outboxPrefix.length), k]);
      }
    } catch {
      return [];
    }
    return out.sort((a, b) => a[1].at - b[1].at);
  }

  function keep(clientId: string, entry: Pending, failed: string | null) {
    if (entry.file) return;
    const k: Kept = {
      body: entry.body,
      at: entry.at,
      ...(entry.page ? { page: entry.page } : {}),
      ...(failed !== null ? { failed, ...(entry.final ? { final: true as const } : {}) } : {}),
    };
    write(outboxPrefix + clientId, JSON.stringify(k));
  }

  const unkeep = (clientId: string) => remove(outboxPrefix + clientId);

  function seeAll() {
    let newest = 0;
    for (const m of messages.values()) if (m.author === 'operator') newest = Math.max(newest, m.id);
    see(newest);
  }

  /** Kept as the larger of ours and the stored one: another tab of the site may have seen more. */
  function see(id: number) {
    if (id <= seen) return;
    seen = Math.max(id, Number(read(seenKey)) || 0);
    write(seenKey, String(seen));
  }

  /** Older than the messages shown (an edit of one whose page is not loaded): kept, not shown. */
  const shownHere = (m: VisitorMessage) => !more || m.seq >= oldest!.seq;

  /** The operator messages shown that the visitor has not seen, oldest first. */
  const unseen = () =>
    [...messages.values()].filter((m) => m.author === 'operator' && m.id > seen && shownHere(m)).sort((a, b) => a.seq - b.seq);

  /** Answers not seen may begin before the oldest message held (the look back stopped short). */
  const beforeHeld = () => more && oldest!.id > seen;

  /** How many answers the visitor has not seen, on the tab. */
  const showUnread = () => view.setUnread(unseen().length, beforeHeld());

  const visible = () => document.visibilityState === 'visible';

  /**
   * The panel is open on a visible page: the visitor sees the messages now. Those they had not
   * seen begin under the divider, which the list is scrolled to.
   */
  function reveal() {
    seen = Math.max(seen, Number(read(seenKey)) || 0); // another tab may have shown them
    const first = unseen()[0];
    if (first) view.showNew(first);
    seeAll();
  }

  /**
   * After messages came: seen at once on an open panel of a visible page; else answers not seen
   * open the panel (a live one always, as before: the visitor waits for it), unless the visitor
   * closed it on this page, and then the tab counts them. At the start of a page of the site,
   * where they begin is looked for first, a page back at a time. `said`: the new answers were
   * read out one by one (else their number is said, once a page).
   */
  function attend(liveAnswer: boolean, said: boolean) {
    if (view.isOpen()) {
      if (visible()) seeAll();
      return view.setUnread(0);
    }
    const waiting = unseen();
    if (waiting.length && lookBack > 0 && beforeHeld()) {
      if (asking === null) {
        lookBack--;
        askOlder();
      }
      return;
    }
    lookBack = 0;
    if (waiting.length && !unreadSaid && !said) {
      unreadSaid = true;
      view.announce(view.words.unread(waiting.length, beforeHeld()));
    }
    const last = waiting[waiting.length - 1];
    if ((liveAnswer || last) && !dismissed) {
      if (!view.intrudes()) return view.open();
      if (last) view.preview(last);
    }
    showUnread();
  }

  /** Asks for the page before the oldest message held, if there is one, one page at a time. */
  function askOlder() {
    if (!ready || !more || asking !== null) return;
    asking = oldest!.seq;
    socket.send({ type: 'history', before: asking });
  }

  /** The page asked for: its messages at their highest rev (an edit may have come first), shown above. */
  function history(h: History) {
    if (h.before !== asking) return; // asked before the history started over
    asking = null;
    const page = h.messages
      .filter((m) => m.seq < h.before)
      .map((m) => {
        const held = messages.get(m.id);
        return held && held.rev >= m.rev ? held : m;
      });
    for (const m of page) {
      messages.set(m.id, m);
      if (m.author === 'operator') acks.add(m.id);
    }
    more = h.more;
    oldest = page[0] ?? oldest;
    view.putOlder(page);
    flushAcks();
    attend(false, false);
  }

  /**
   * The dialog's newest page, to start from (a new page of the site, or a reconnect that missed
   * too much): what is held of it or newer stays, at its highest rev (pushed before the welcome,
   * it may be newer than the page); anything older goes until the visitor scrolls up to it.
   */
  function startOver(page: VisitorMessage[], hasMore: boolean) {
    const start = page.length ? page[0].seq : 0;
    const latest = new Map<number, VisitorMessage>();
    for (const m of [...page, ...messages.values()]) {
      const known = latest.get(m.id);
      if (m.seq >= start && (!known || m.rev > known.rev)) latest.set(m.id, m);
    }
    messages.clear();
    view.clear();
    more = hasMore;
    oldest = page[0] ?? null;
    asking = null;
    lookBack = LOOK_BACK_PAGES;
    receive([...latest.values()].sort((a, b) => a.seq - b.seq), false, false);
  }

  function queue(entry: Pending) {
    const clientId = uuid();
    // Page context goes with the first message from this page, and again whenever the page has
    // changed since (a single-page app's next view: its address or title): this page (URL rules
    // route by it) and, if the visit began elsewhere, that page too (the server keeps where the
    // visit began).
    const here = currentPage();
    if (pageSent !== `${here.url}\n${here.title}`) {
      const same = here.url === landing.url && here.title === landing.title && here.referrer === landing.referrer;
      entry.page = same ? here : { ...here, landing };
      pageSent = `${here.url}\n${here.title}`;
    }
    pending.set(clientId, entry);
    keep(clientId, entry, null);
    showPending(clientId, entry);
    // Refused here, as the server would refuse it after the upload (a 400 in the site's console).
    if (entry.file && !entry.file.size) fail(clientId, entry, view.words.fileEmpty, true);
    conversation();
    uploadFiles();
    next();
  }

  /** A message on its way; a file not uploaded yet can be cancelled. */
  function showPending(clientId: string, entry: Pending) {
    view.putPending(clientId, shown(entry), null);
    if (entry.file && !entry.attachmentIds) view.progress(clientId);
  }

  /** The chat tab stays for a visitor who has a conversation, even with nobody online (once the server is known not to refuse the page). */
  const conversation = () => view.setConversation(answered && (messages.size > 0 || pending.size > 0));

  // Seen in another tab of the site: not counted here any more.
  addEventListener('storage', (e) => {
    if (e.key !== seenKey) return;
    seen = Math.max(seen, Number(e.newValue) || 0);
    if (!view.isOpen()) showUnread();
  });
  // Shown on a page the visitor was not looking at: seen when they come to it.
  document.addEventListener('visibilitychange', () => {
    if (visible() && view.isOpen()) reveal();
  });

  view.setDraft(read(draftKey, true) ?? '');

  // What this page (or another of the site) had not sent when it was left goes out from here.
  for (const [clientId, k] of kept()) {
    pending.set(clientId, { body: k.body, page: k.page, failed: k.failed !== undefined, final: k.final, at: k.at });
    view.putPending(clientId, k.body, k.failed ?? null, k.final);
  }
  conversation();

  // refusal=close: a refused connection is closed with a code the page can read (the browser
  // tells it nothing of a refused upgrade).
  const url = `${config.serverOrigin.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(config.widgetKey)}&refusal=close`;
  const socket = reconnectingSocket(url, {
    open() {
      const language = cut(document.documentElement.lang, 16);
      socket.send({
        type: 'hello',
        ...(token ? { token, rev, seq: newestSeq } : {}),
        ...(group ? { group } : {}),
        ...(language ? { language } : {}),
      });
    },
    down(code) {
      // Refused for good (the origin, the key, or the page's own CSP): no retry, nothing shown to
      // the visitor, and the site's owner reads why in the console. A page welcomed before keeps
      // trying: the allowed origins were changed while it was open, and may be changed back.
      if (!welcomed && (code === CLOSE_ORIGIN_REFUSED || code === CLOSE_UNKNOWN_KEY || code === BLOCKED)) {
        socket.stop();
        refusedWhy = refusal(code!, config);
        console.warn(`Parley widget: ${refusedWhy}`);
        // Opened by the site before the answer came: closed, and what was written there stays
        // kept for a page the server takes.
        view.hide(true);
        return;
      }
      // Not refused: what is kept shows, and waits for the connection to come back.
      answered = true;
      conversation();
      // A site owner installing the widget: the browser says only that the connection failed.
      // (Not for 4429: the server is up and asks this address to wait; it logs why.)
      if (!welcomed && code !== CLOSE_BUSY && ++failures === 3) {
        console.warn(`Parley widget: cannot connect to ${config.serverOrigin}: is the server up, and does a proxy before it pass WebSocket upgrades?`);
      }
      // A frame over the server's limit closes the connection: that message is not sent again
      // (it would close every connection after this one too).
      const refused = code === CLOSE_TOO_BIG && inFlight !== null ? pending.get(inFlight) : undefined;
      if (refused) fail(inFlight!, refused, view.words.tooLarge, true);
      ready = told = false;
      // Its answer is lost with the connection: said again on the next.
      if (saying) toSay = { ...saying, ...toSay };
      saying = null;
      for (const id of ackedHere) acks.add(id);
      ackedHere.clear();
      inFlight = null;
      asking = null; // its answer is lost with the connection
      clearTimeout(holding);
      holding = undefined;
      view.setConnected(false);
    },
    frame(frame) {
      switch (frame.type) {
        case 'welcome':
          return welcome(frame as unknown as Welcome);
        case 'message':
        case 'message.stored': {
          const live = frame.type === 'message';
          return receive([(frame as unknown as { message: VisitorMessage }).message], live, live);
        }
        case 'history':
          return history(frame as unknown as History);
        case 'typing':
          return view.showTyping();
        case 'operators':
          return view.setOnline(frame.online === true);
        case 'identified':
          identity = { ...identity, ...saying };
          saying = null;
          return sayWho();
        case 'error':
          return refused(frame as unknown as { code: string; message: string; ref?: string });
      }
    },
  });

  function welcome(w: Welcome) {
    if (token && w.token !== token) {
      // The server did not know our token (another server, a wiped database): a new visitor.
      messages.clear();
      rev = newestSeq = 0;
      view.clear();
    }
    // A new visitor has seen nothing (the stored id may be another visitor's), nor has one
    // without a dialog (the server keeps a token it gave until its visitor writes; one that is
    // unknown after a restore from a backup is kept the same way).
    if (w.token !== token || !w.dialog) write(seenKey, String((seen = 0)));
    const legacy = seen === Infinity;
    token = w.token;
    write(tokenKey, token);
    uploadMax = w.uploadMaxBytes ?? Infinity;
    view.setName(w.visitor.name);
    if (w.widget) view.setLook(w.widget);
    view.setOnline(w.operatorsOnline);
    view.setConnected(true);
    // What a later connection brings was missed meanwhile: news, read out.
    const news = welcomed;
    ready = welcomed = answered = true;
    if (w.resumed) receive(w.messages, false, news);
    else startOver(w.messages, w.more);
    // Left open on the site's last page (in this tab): open here too.
    if (!news && read(openKey, true)) view.open();
    rev = Math.max(rev, w.rev);
    if (legacy) {
      write(seenKey, String((seen = 0)));
      seeAll();
    }
    conversation();
    socket.resetBackoff();
    sayWho();
    uploadFiles();
    next();
    flushAcks();
    if (!news) emit('ready');
  }

  /**
   * Who the site says the visitor is, to the server: on a new connection what it took before, on
   * its own (a value refused with it must not take it along); then what the site has said since.
   */
  function sayWho() {
    if (!ready || saying || whoHeld !== undefined) return;
    if (!told && Object.keys(identity).length) saying = {};
    else if (toSay) [saying, toSay] = [toSay, null];
    else return;
    told = true;
    socket.send({ type: 'identify', ref: 'identify', ...identity, ...saying });
  }

  /**
   * Messages from the server, shown in one go: one sent live, or those a welcome brings. `live`:
   * sent while this page is open (a new operator message opens the panel, even one another tab
   * has seen); `news`: a screen reader hears the new operator messages (not the history a page
   * starts with).
   */
  function receive(incoming: VisitorMessage[], live: boolean, news: boolean) {
    const changed: VisitorMessage[] = [];
    /** New operator messages on this page, for the site's 'message' listeners. */
    const arrived: VisitorMessage[] = [];
    let answered = false;
    let freed = false;
    for (const m of incoming) {
      // Its "Sending…" element: the stored message takes it over (view.put), or it goes.
      const settled = m.clientId !== undefined && pending.delete(m.clientId);
      if (m.clientId && m.author === 'visitor') unkeep(m.clientId);
      if (m.clientId !== undefined && m.clientId === inFlight) {
        inFlight = null;
        freed = true;
      }
      const held = messages.get(m.id);
      if (!held || m.rev > held.rev) messages.set(m.id, m);
      const here = shownHere(m);
      if (here && (!held || (m.rev > held.rev && !looksTheSame(held, m)))) changed.push(m);
      else if (settled) view.removePending(m.clientId!);
      answered ||= live && here && !held && m.author === 'operator';
      if (news && !held && m.author === 'operator') arrived.push(m);
      rev = Math.max(rev, m.rev);
      newestSeq = Math.max(newestSeq, m.seq);
      // Acked on every receipt, repeats too: an operator's resend means our earlier ack was lost.
      if (m.author === 'operator') {
        acks.add(m.id);
        ackTimer ??= setTimeout(flushAcks, 0);
      }
    }
    view.put(changed, news);
    attend(answered, news || live);
    conversation();
    if (freed) next();
    for (const m of arrived) emit('message', { text: m.body, operator: m.operator?.name ?? null, files: m.attachments.map((a) => a.name) });
  }

  function refused(error: { code: string; message: string; ref?: string }) {
    if (error.ref === 'identify') return notIdentified(error);
    const entry = error.ref ? pending.get(error.ref) : undefined;
    if (!entry) return;
    const clientId = error.ref!;
    if (clientId === inFlight) inFlight = null;
    // Not now rather than not this (too fast, or the server's storage busy or full): the same
    // clientId goes out again shortly, and the messages after it wait; it stays "sending".
    if (error.code === 'rate_limited' || error.code === 'unavailable') {
      clearTimeout(holding);
      holding = setTimeout(() => {
        holding = undefined;
        next();
      }, RATE_LIMIT_RETRY_MS);
      return;
    }
    // The server failing (not the message) is worth a retry; any other refusal would come again.
    fail(clientId, entry, error.message, error.code !== 'internal');
    next();
  }

  /**
   * Identify refused for now (the server's limit, its storage busy): the same goes again later,
   * with what the site says meanwhile over it. Else the site's to fix (a line break in a name, an
   * email that is not one): that call is dropped; what the server took before stays.
   */
  function notIdentified(error: { code: string; message: string }) {
    const again = error.code === 'rate_limited' ? IDENTIFY_RETRY_MS : error.code === 'unavailable' ? RATE_LIMIT_RETRY_MS : 0;
    if (again) toSay = { ...saying, ...toSay };
    saying = null;
    if (!again) {
      console.warn(`Parley widget: identify was refused: ${error.message}`);
      return sayWho();
    }
    if (again === IDENTIFY_RETRY_MS) console.warn(`Parley widget: identify is held back (${error.message}): its newest values go in a minute`);
    whoHeld = setTimeout(() => {
      whoHeld = undefined;
      sayWho();
    }, again);
  }

  function fail(clientId: string, entry: Pending, reason: string, final = false) {
    entry.failed = true;
    entry.final = final;
    // Kept with its reason, unless another tab has dropped it meanwhile (its ×, or stored).
    if (read(outboxPrefix + clientId) !== null) keep(clientId, entry, reason);
    view.putPending(clientId, shown(entry), reason, final);
  }

  /** Sends the first message still to go, unless one is on its way or we are waiting. */
  function next() {
    if (!ready || inFlight !== null || holding !== undefined) return;
    for (const [clientId, entry] of pending) {
      if (entry.failed) continue;
      // A file goes in its turn: the messages after it wait for its upload.
      if (entry.file && !entry.attachmentIds) return;
      inFlight = clientId;
      socket.send({
        type: 'message.send',
        clientId,
        body: entry.body,
        ...(entry.attachmentIds ? { attachmentIds: entry.attachmentIds } : {}),
        ...(entry.page ? { page: entry.page } : {}),
      });
      return;
    }
  }

  /**
   * Starts every upload not started yet: files upload at once, whatever their turn to be sent;
   * not while the uploads wait to be tried again.
   */
  function uploadFiles() {
    if (!ready || uploadsHeld !== undefined) return; // the upload endpoint knows the visitor by the token of a welcome
    for (const [clientId, entry] of pending) {
      if (entry.file && !entry.attachmentIds && !entry.upload && !entry.failed) upload(clientId, entry);
    }
  }

  /**
   * One wait for every file refused for now (the server's upload limit, its storage busy) or lost
   * on the network: then all of them go again. A timer per file, each restarting every waiting
   * upload, made hundreds of refused requests while the limit's window stayed closed.
   */
  function holdUploads(ms: number) {
    if (uploadsHeld !== undefined) return;
    uploadsHeld = setTimeout(() => {
      uploadsHeld = undefined;
      uploadFiles();
    }, ms);
  }

  /** XMLHttpRequest rather than fetch: only it tells how much of the body has gone. */
  function upload(clientId: string, entry: Pending) {
    // Refused here rather than after all of it has gone up (on a phone's data, say).
    const size = entry.file!.size;
    if (size > uploadMax) {
      fail(clientId, entry, view.words.fileOverLimit(formatSize(uploadMax), formatSize(size)), true);
      return next();
    }
    const xhr = (entry.upload = new XMLHttpRequest());
    xhr.open('POST', `${config.serverOrigin}/widget/uploads?key=${encodeURIComponent(config.widgetKey)}`);
    xhr.setRequestHeader('x-parley-visitor', token ?? '');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && view.progress(clientId, Math.floor((e.loaded / e.total) * 100));
    xhr.onload = () => {
      entry.upload = undefined;
      uploaded(clientId, entry, xhr);
    };
    // Lost on the network: tried again shortly (or after the reconnect), like a text message.
    xhr.onerror = () => {
      entry.upload = undefined;
      entry.uploadLosses = (entry.uploadLosses ?? 0) + 1;
      if (entry.uploadLosses < UPLOAD_TRIES) {
        view.progress(clientId, null);
        return holdUploads(RATE_LIMIT_RETRY_MS);
      }
      fail(clientId, entry, view.words.uploadLost);
      next();
    };
    const form = new FormData();
    form.append('file', entry.file!, entry.file!.name);
    xhr.send(form);
    view.progress(clientId, 0);
  }

  function uploaded(clientId: string, entry: Pending, xhr: XMLHttpRequest) {
    const answer = xhr.response as { id?: unknown; error?: { message?: string } } | null;
    const status = xhr.status;
    // Retry-After says how long to wait (the server exposes it to the site's origin too); a proxy's
    // answer may lack it: then each wait doubles, up to the upload limit's minute.
    const after = Number(xhr.getResponseHeader('retry-after')) * 1000;
    if (status >= 200 && status < 300 && typeof answer?.id === 'number') {
      entry.attachmentIds = [answer.id];
      entry.uploadLosses = 0;
      uploadWait = RATE_LIMIT_RETRY_MS;
      showPending(clientId, entry);
    } else if (status === 429 && after > UPLOAD_WAIT_MAX_MS) {
      // Longer than the upload limit's minute: the visitor's files of the day are spent. Said, with
      // a retry for when the day is over.
      fail(clientId, entry, view.words.uploadBudget(Math.ceil(after / 3_600_000)));
    } else if (status === 503 || status === 429) {
      view.progress(clientId, null);
      holdUploads(after > 0 ? after : uploadWait);
      if (!(after > 0)) uploadWait = Math.min(uploadWait * 2, UPLOAD_WAIT_MAX_MS);
      return;
    } else {
      const why = answer?.error?.message ?? '';
      fail(
        clientId,
        entry,
        status === 413 ? view.words.fileTooLarge(why, formatSize(entry.file!.size)) : why || `the upload failed (${status})`,
        REFUSED_FOR_GOOD.has(status),
      );
    }
    next();
  }

  function flushAcks() {
    ackTimer = undefined;
    if (!ready) return; // kept for the next connection
    while (acks.size) {
      const ids = [...acks].slice(0, ACK_BATCH);
      if (!socket.send({ type: 'ack', messageIds: ids })) return;
      for (const id of ids) {
        acks.delete(id);
        ackedHere.add(id);
      }
      // Only the latest: older ones had a live connection long enough to arrive.
      for (const id of ackedHere) {
        if (ackedHere.size <= ACK_BATCH) break;
        ackedHere.delete(id);
      }
    }
  }

  /** A command of the site that shows the chat: on a page the server refuses, only a word in the console. */
  const unlessRefused = (command: string, run: () => void) => () =>
    refusedWhy === null ? run() : console.warn(`Parley widget: ${command} does nothing: ${refusedWhy}`);

  return {
    open: unlessRefused('open', view.openBySite),
    close: view.closeBySite,
    toggle: unlessRefused('toggle', () => (view.isOpen() ? view.closeBySite() : view.openBySite())),
    hide: () => view.hide(true),
    show: unlessRefused('show', () => view.hide(false)),
    identify(who) {
      toSay = { ...toSay, ...who };
      sayWho();
    },
    look: view.place,
  };
}

/** Why the server will not have this page (`code`), and what the site's owner must do, for the console. */
function refusal(code: number, config: WidgetConfig): string {
  if (code === CLOSE_UNKNOWN_KEY) {
    return `${config.serverOrigin} has no project with the widget key "${config.widgetKey}" (data-project); copy the snippet from: parley project show`;
  }
  if (code === BLOCKED) {
    const socket = config.serverOrigin.replace(/^http/, 'ws');
    return (
      `this page's Content-Security-Policy does not let the widget connect to ${socket}, so the chat stays hidden. ` +
      `Allow it: connect-src ${config.serverOrigin} ${socket} (parley project show prints all the widget needs)`
    );
  }
  // A page opened from a file, or in a sandboxed frame, has the origin "null", which no setting allows.
  if (location.origin === 'null') return 'this page has no origin (opened from a file, or in a sandboxed frame): serve it over http(s)';
  return (
    `this page's origin (${location.origin}) is not allowed for the widget key "${config.widgetKey}", so the chat stays hidden. ` +
    `Allow it: parley project set PROJECT --add-origin ${location.origin}`
  );
}

const shown = (entry: Pending) => entry.file ?? entry.body;

/**
 * The same message at another rev, showing nothing new: its delivery was recorded (which raises
 * the rev), as a reconnect learns of an answer edited before it was delivered. Drawing it again
 * would only be noise.
 */
const looksTheSame = (a: VisitorMessage, b: VisitorMessage) => JSON.stringify({ ...a, rev: 0 }) === JSON.stringify({ ...b, rev: 0 });

/** Now in ms with a fraction: two messages written in one millisecond keep their order. */
const now = () => performance.timeOrigin + performance.now();

const text = (v: unknown): v is string => typeof v === 'string';

/** A kept message as read back (another version of the widget, or anything else, may have written it). */
function parseKept(raw: string | null): Kept | null {
  let v: Partial<Record<keyof Kept, unknown>>;
  try {
    v = JSON.parse(raw ?? '');
  } catch {
    return null;
  }
  if (!v || !text(v.body) || !v.body || typeof v.at !== 'number') return null;
  const page = pageFields(v.page);
  const landing = page && pageFields((v.page as { landing?: unknown }).landing);
  return {
    body: v.body,
    at: v.at,
    ...(page ? { page: landing ? { ...page, landing } : page } : {}),
    ...(text(v.failed) ? { failed: v.failed, ...(v.final === true ? { final: true as const } : {}) } : {}),
  };
}

/** The page's url, title and referrer as read back from storage (text fields only), or null. */
function pageFields(value: unknown): PageContext | null {
  const p = value as Record<string, unknown> | null;
  if (!p || typeof p !== 'object') return null;
  const fields = Object.entries({ url: p.url, title: p.title, referrer: p.referrer }).filter(([, v]) => text(v));
  return fields.length ? (Object.fromEntries(fields) as PageContext) : null;
}

/** This page, cut to the server's limits. */
const currentPage = (): PageContext => ({
  url: cut(location.href, 2048),
  title: cut(document.title, 500),
  referrer: cut(document.referrer, 2048),
});

/** A visit ends after this long without a page of the site (as web analytics count visits). */
const VISIT_IDLE_MS = 30 * 60_000;

/**
 * Where this visit began: the first page of the site the widget was shown on in this visit,
 * else this one. Its referrer and UTM tags are what brought the visitor, whichever page (or tab:
 * a product opened in a new tab is the same visit) they write from. Kept in localStorage with the
 * time of the latest page: a visit ends after VISIT_IDLE_MS without one, and a page reached from
 * another site or by a campaign's link (UTM tags) begins a new one.
 */
function landingPage(key: string, here: PageContext): PageContext {
  const now = Date.now();
  let landing = here;
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? 'null') as { page?: unknown; at?: unknown } | null;
    const page = stored && pageFields(stored.page);
    // Cut again: anything may have been written there, and the server refuses what is too long.
    if (page && typeof stored.at === 'number' && now - stored.at < VISIT_IDLE_MS && !arrived()) {
      landing = { url: cut(page.url ?? '', 2048), title: cut(page.title ?? '', 500), referrer: cut(page.referrer ?? '', 2048) };
    }
    localStorage.setItem(key, JSON.stringify({ page: landing, at: now }));
  } catch {
    // No storage (a privacy mode): this page is where the visit began.
  }
  return landing;
}

/** This page was reached from another site, or by a campaign's link: a visit begins here. */
function arrived(): boolean {
  if (/[?&]utm_[a-z]+=/i.test(location.search)) return true;
  try {
    return document.referrer !== '' && new URL(document.referrer).origin !== location.origin;
  } catch {
    return false;
  }
}

// localStorage throws in some privacy modes; the widget then simply starts fresh each page.
// `session`: this tab's sessionStorage instead.
function read(key: string, session = false): string | null {
  try {
    return (session ? sessionStorage : localStorage).getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string, session = false): void {
  try {
    (session ? sessionStorage : localStorage).setItem(key, value);
  } catch {
    // see read
  }
}

function remove(key: string, session = false): void {
  try {
    (session ? sessionStorage : localStorage).removeItem(key);
  } catch {
    // see read
  }
}

/** A random UUID v4; crypto.randomUUID exists only on https pages, getRandomValues everywhere. */
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
