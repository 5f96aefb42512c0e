// The widget's DOM: a launcher (the chat tab) and a panel with the messages and the composer,
// all inside a shadow root. The view only draws; the conversation (chat.ts) decides.
import { formatSize } from '../core/format-size.js';
import { MAX_BODY } from '../core/protocol/constants.js';
import type { Attachment, VisitorMessage } from '../core/protocol/dialogs.js';
import type { Look } from './api.js';
import { SMALL, STYLE } from './style.js';
import { appendText, element, link, safeUrl } from './text.js';
import { wordsFor } from './words.js';

const EMOJI = ['😀', '😂', '😊', '😍', '😉', '😎', '🤔', '😅', '😢', '😡', '👍', '👎', '👋', '🙏', '👏', '💪', '❤️', '🎉', '🔥', '✅', '❌', '⭐', '📦', '💬'];
/** How long an operator's typing shows after their last keystroke signal. */
const TYPING_SHOWN_MS = 4000;
/** The emoji grid's columns (style.ts). */
const EMOJI_COLUMNS = 8;
/**
 * The newest messages drawn at first; older ones are drawn as many at a time when the visitor
 * scrolls up to them. A regular customer's history only grows, and thousands of messages drawn
 * at once would freeze the site's page.
 */
const DRAWN_AT_ONCE = 200;
/** The announcements kept in their live region (older ones have been read out). */
const ANNOUNCEMENTS_KEPT = 3;
/**
 * How long an announcement stays after it was made: long enough to be read out, and then gone,
 * so that a screen reader reading the page does not meet old messages after the site's content.
 */
const ANNOUNCED_FOR_MS = 7000;
/** A click on the tab this soon after the panel opened by itself was meant to open it, not to close it. */
const CLICK_GRACE_MS = 500;
/** Line icons on a 24-unit grid (style.ts draws them): emoji would be empty boxes without an emoji font. */
const CHAT_ICON = 'M4 5h16v11H10l-6 4z';
const CLIP_ICON = 'M17 7l-7.5 7.5a2 2 0 0 0 2.8 2.8L20 9.6a4 4 0 0 0-5.7-5.7L6.6 11.6a6 6 0 0 0 8.5 8.5L21 14.2';

export interface ViewActions {
  send(body: string): void;
  attach(file: File): void;
  typing(): void;
  retry(clientId: string): void;
  /** Drops a message that failed (a file the server refused, say), or cancels a file's upload. */
  discard(clientId: string): void;
  /** The panel has just opened (by the visitor, the site or by itself). */
  opened(): void;
  /** The panel has just closed (by the visitor or the site). */
  shut(): void;
  /** The visitor (or the site) closed the panel, or hid the preview of an answer. */
  closed(): void;
  /** What the visitor has written and not sent yet. */
  draft(text: string): void;
  /** The visitor has scrolled up to the oldest message held: older ones are wanted, if any. */
  older(): void;
}

export type View = ReturnType<typeof createView>;

/**
 * Black or white, whichever has the higher contrast (WCAG) on a #rrggbb colour: the site owner's
 * accent may be light or dark. The better of the two is always at least 4.5:1.
 */
function textOn(color: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#fff' : '#000';
}

/** An icon (a path of the 24-unit grid), hidden from a screen reader: its button's name says it all. */
function icon(d: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

/**
 * The visitor is typing into the site (a form field, an editor, or a frame such as a payment
 * form's): an answer must not open the panel over it, where the rest would be typed blind.
 */
function typingInSite(host: Element): boolean {
  let el = document.activeElement;
  if (el === host) return false;
  // Into the site's own components.
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return (
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    el instanceof HTMLIFrameElement ||
    (el instanceof HTMLInputElement && !/^(button|submit|reset|checkbox|radio|range|color|file|image)$/.test(el.type)) ||
    (el instanceof HTMLElement && el.isContentEditable)
  );
}

export function createView(serverOrigin: string, actions: ViewActions) {
  const words = wordsFor(document.documentElement.lang);
  // A name of our own, not a div: the site's rules for divs (div:empty{display:none}, padding,
  // borders) do not match it, and :host's !important rules (style.ts) win over any that do.
  const host = document.createElement('parley-chat');
  host.setAttribute('data-parley', '');
  host.setAttribute('data-connection', 'connecting');
  // Open so that site scripts and tests can look inside; the site's CSS still cannot.
  const shadow = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet where the browser has them: a Content-Security-Policy does not govern
  // it, so a strict site needs no hash of it (which every widget version would change). Elsewhere
  // a <style> element, which such a site allows by the hash `parley project show` prints.
  if ('adoptedStyleSheets' in shadow && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    shadow.adoptedStyleSheets = [sheet];
  } else shadow.append(element('style', undefined, STYLE));
  const root = element('div', 'root');
  // The language and direction of the widget's words: a screen reader reads them with the right
  // voice on a German page, and a right-to-left site's direction, inherited by the host
  // (all:initial does not reset it), would mirror English text and the two sides.
  root.lang = words.lang;
  root.dir = words.dir;

  const panel = element('section', 'panel');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', words.title);
  panel.id = 'parley-panel';
  // Not a landmark: in a dialog, a <header> would be a second "banner" of the site's page.
  const header = element('header');
  header.setAttribute('role', 'none');
  const close = element('button', 'close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', words.close);
  header.append(element('span', undefined, words.title), close);
  const status = element('div', 'status', words.connecting);
  // Announced: a screen reader hears the connection drop and come back.
  status.setAttribute('role', 'status');
  /**
   * What a screen reader hears of the conversation: new operator messages and the visitor's
   * messages that failed. The list itself is not a live region: the history, the older messages
   * drawn as the visitor scrolls up and a message redrawn once stored would all be read out.
   */
  const announcements = element('div', 'sr');
  announcements.setAttribute('aria-live', 'polite');
  const greeting = element('div', 'greeting');
  greeting.hidden = true;
  const away = element('div', 'away', words.away);
  away.setAttribute('role', 'status');
  away.hidden = true;
  const list = element('ol', 'messages');
  // Over the end of the list scrolled up: a message has arrived below.
  const below = element('div', 'below');
  const pill = element('button', 'pill', words.newBelow);
  pill.type = 'button';
  pill.hidden = true;
  below.append(pill);
  /** Above the first message the visitor had not seen when the panel showed it. */
  const divider = element('li', 'new', words.newMessages);
  const typing = element('div', 'typing', words.typing);
  typing.hidden = true;
  const emoji = element('div', 'emoji');
  emoji.hidden = true;
  emoji.id = 'parley-emoji';
  emoji.setAttribute('role', 'group');
  emoji.setAttribute('aria-label', words.emoji);
  const notice = element('div', 'notice');
  notice.setAttribute('role', 'alert');
  notice.hidden = true;
  const form = element('form');
  const emojiToggle = element('button', 'emoji-toggle', '😊');
  emojiToggle.type = 'button';
  emojiToggle.setAttribute('aria-label', words.emoji);
  emojiToggle.setAttribute('aria-controls', emoji.id);
  emojiToggle.setAttribute('aria-expanded', 'false');
  const attach = element('button', 'attach');
  attach.append(icon(CLIP_ICON));
  attach.type = 'button';
  attach.setAttribute('aria-label', words.attach);
  const picker = element('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.hidden = true;
  const input = element('textarea');
  input.rows = 1;
  input.dir = 'auto';
  input.placeholder = words.placeholder;
  input.setAttribute('aria-label', words.message);
  const sendButton = element('button', 'send', words.send);
  sendButton.type = 'submit';
  form.append(emojiToggle, attach, picker, input, sendButton);
  const me = element('div', 'me');
  panel.append(header, greeting, away, status, list, below, typing, emoji, notice, form, me);

  const launcher = element('button', 'launcher');
  launcher.append(icon(CHAT_ICON), words.title);
  launcher.type = 'button';
  launcher.hidden = true;
  launcher.setAttribute('aria-label', words.title);
  // How many operator messages the visitor has not seen, while the panel is closed. Its number is
  // in the tab's name for a screen reader (said once, when it appears: chat.ts).
  const badge = element('span', 'badge');
  badge.setAttribute('aria-hidden', 'true');
  badge.hidden = true;
  launcher.append(badge);
  launcher.setAttribute('aria-controls', panel.id);
  launcher.setAttribute('aria-expanded', 'false');
  // An answer that does not open the panel by itself: a line of it above the tab, which opens the
  // chat, and its × (the visitor does not want it now: later answers only count on the tab).
  const preview = element('div', 'preview');
  preview.hidden = true;
  const snippet = element('button', 'snippet');
  const hidePreview = element('button', 'hide', '×');
  hidePreview.setAttribute('aria-label', words.hidePreview);
  preview.append(snippet, hidePreview);
  // Outside the panel: an operator reply that opens the panel is announced too.
  root.append(panel, preview, launcher, announcements);
  shadow.append(root);
  // On <html> rather than <body>: a body with a transform, filter or contain would be the
  // containing block of the fixed tab, which would then scroll away with the page.
  document.documentElement.append(host);

  /**
   * Every stored message, in seq order; those from `drawnFrom` on are drawn, each element under
   * its message's id in `byId`.
   */
  let stored: VisitorMessage[] = [];
  let drawnFrom = 0;
  const byId = new Map<number, HTMLElement>();
  const byClientId = new Map<string, HTMLElement>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether an operator is online; null until the server has said (no "No one is online" while connecting). */
  let online: boolean | null = null;
  /** Welcomed once: the stored messages shown are the conversation's (a failure goes after them). */
  let historyShown = false;
  let conversation = false;
  /**
   * Whether the list shows its end, as the visitor last left it: an image loading makes the
   * list taller without a scroll, and must not count as the visitor scrolling up.
   */
  let pinned = true;
  const toEnd = () => {
    list.scrollTop = list.scrollHeight;
    pinned = pill.hidden = true;
  };
  // Only the visitor scrolling up unpins it. The scroll event of our own toEnd() may come after an
  // image grew the list (its height changed, not its scrollTop): that is no reason to unpin.
  let lastTop = 0;
  list.onscroll = () => {
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) pinned = pill.hidden = true;
    else if (list.scrollTop < lastTop) pinned = false;
    lastTop = list.scrollTop;
    upward();
  };
  /**
   * Within a screen of the top, the older messages are made ready before the visitor gets there:
   * those held are drawn, and when all are, the server's older ones are asked for.
   */
  const upward = () => {
    if (list.scrollTop >= list.clientHeight) return;
    if (drawnFrom > 0) drawOlder();
    else actions.older();
  };

  /**
   * The tab shows while an operator is online, for a visitor already in a conversation, and while
   * the panel is open (it closes it: the last operator leaving must not take away the way out).
   */
  const showLauncher = () => {
    launcher.hidden = !(online || conversation || !panel.hidden);
    away.hidden = online !== false;
  };

  const small = matchMedia(SMALL);
  /**
   * Open on a small screen, the panel covers the site: a modal dialog. The focus goes into it and
   * Tab goes round inside it; a screen reader hears nothing outside it, so the announcements go in too.
   */
  const modal = () => !panel.hidden && small.matches;
  const setModal = () => {
    const on = modal();
    if (on) panel.setAttribute('aria-modal', 'true');
    else panel.removeAttribute('aria-modal');
    (on ? panel : root).append(announcements);
    if (on && !panel.contains(shadow.activeElement)) panel.focus();
  };
  small.addEventListener?.('change', setModal);
  panel.tabIndex = -1;
  /** What the keyboard reaches in the panel: Tab past the last goes to the first, and back. */
  const stops = () => [...panel.querySelectorAll<HTMLElement>('button,textarea,a[href]')].filter((el) => el.getClientRects().length);
  /** What had the focus when the panel opened (the site's "Contact us"): it has it again when the panel closes. */
  let opener: Element | null = null;

  // Focus moves only when the visitor opens it, or into a panel that covers the site: an operator
  // message must not steal the site's focus. An open panel stays where the visitor scrolled it.
  const open = (show: boolean) => {
    const opening = show && panel.hidden;
    const closing = !show && !panel.hidden;
    panel.hidden = !show;
    root.classList.toggle('open', show);
    launcher.setAttribute('aria-expanded', String(show));
    if (!show) {
      showEmoji(false);
      divider.remove();
    }
    showLauncher();
    if (opening) {
      const active = document.activeElement;
      opener = active === host || active === document.body ? null : active;
      preview.hidden = true;
      grow();
      toEnd();
      actions.opened();
    }
    setModal();
    if (closing) actions.shut();
  };
  /** When the panel last opened by itself. */
  let openedAt = -Infinity;
  const openByVisitor = () => {
    open(true);
    input.focus();
  };
  /**
   * Closed by the visitor: the focus, if it was in the panel, goes back to what had it before (the
   * site's button that opened the chat), else to the tab, rather than to the page's start.
   */
  const closeByVisitor = () => {
    const within = panel.contains(shadow.activeElement);
    open(false);
    actions.closed();
    if (!within) return;
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    if (document.activeElement !== opener && !launcher.hidden) launcher.focus();
  };
  /** Hidden by the site (`parley('hide')`): no tab, no panel, and answers do not open it. */
  const hide = (hidden: boolean) => {
    if (hidden && !panel.hidden) closeByVisitor();
    root.hidden = hidden;
  };
  // The theme follows the visitor's system (`auto`) unless the site chose one.
  const darkScheme = matchMedia('(prefers-color-scheme: dark)');
  let theme = 'auto';
  const paint = () => root.classList.toggle('dark', theme === 'dark' || (theme === 'auto' && darkScheme.matches));
  darkScheme.addEventListener?.('change', paint);
  launcher.onclick = () => {
    if (panel.hidden || Date.now() - openedAt < CLICK_GRACE_MS) openByVisitor();
    else closeByVisitor();
  };
  snippet.onclick = openByVisitor;
  hidePreview.onclick = () => {
    preview.hidden = true;
    actions.closed();
    launcher.focus();
  };
  // Escape closes the emoji picker first (the focus going back to its toggle if it was in the
  // picker), then the chat; from the tab too. In a modal panel, Tab goes round.
  panel.onkeydown = (e) => {
    if (e.key === 'Tab' && modal()) {
      const all = stops();
      const at = shadow.activeElement;
      if (at === (e.shiftKey ? all[0] : all[all.length - 1]) || (e.shiftKey && at === panel)) {
        e.preventDefault();
        (e.shiftKey ? all[all.length - 1] : all[0]).focus();
      }
    }
    if (e.key !== 'Escape') return;
    if (emoji.hidden) return closeByVisitor();
    const inPicker = emoji.contains(shadow.activeElement);
    showEmoji(false);
    if (inPicker) emojiToggle.focus();
  };
  launcher.onkeydown = (e) => {
    if (e.key === 'Escape' && !panel.hidden) closeByVisitor();
  };
  close.onclick = closeByVisitor;

  /** Characters as the server counts them (code points: an emoji is one). */
  const length = (text: string) => {
    let n = 0;
    for (const _ of text) n++;
    return n;
  };
  const tooLong = (body: string) => {
    const n = body.length > MAX_BODY ? length(body) : 0;
    return n > MAX_BODY ? words.tooLong(n, MAX_BODY) : null;
  };
  const showNotice = (text: string | null) => {
    notice.textContent = text ?? '';
    notice.hidden = text === null;
  };

  const submit = () => {
    const body = input.value;
    if (!body.trim()) return;
    // Refused here, with the text kept to shorten: the server would refuse it anyway.
    const problem = tooLong(body);
    showNotice(problem);
    if (problem) return;
    actions.send(body);
    input.value = '';
    actions.draft('');
    grow();
    showEmoji(false);
  };
  // Empty, one line: a placeholder wider than the box (a phone, a long language) must not grow it.
  const grow = () => {
    input.style.height = 'auto';
    if (input.value) input.style.height = `${input.scrollHeight + 2}px`;
  };
  // After a click on Send the text box has the focus again: the visitor goes on typing.
  form.onsubmit = (e) => {
    e.preventDefault();
    submit();
    input.focus();
  };
  // Enter sends, Shift+Enter is a newline (the textarea's own behaviour); never mid-IME-composition.
  input.onkeydown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  input.oninput = () => {
    grow();
    actions.typing();
    actions.draft(input.value);
    if (!notice.hidden) showNotice(tooLong(input.value));
  };

  for (const e of EMOJI) {
    const b = element('button', undefined, e);
    b.type = 'button';
    // Keep the textarea's caret: a mousedown on the button would take focus first.
    b.onmousedown = (ev) => ev.preventDefault();
    b.onclick = () => {
      input.setRangeText(e, input.selectionStart, input.selectionEnd, 'end');
      input.focus();
      input.dispatchEvent(new Event('input'));
    };
    emoji.append(b);
  }
  const emojiButtons = [...emoji.children] as HTMLButtonElement[];
  function showEmoji(show: boolean) {
    emoji.hidden = !show;
    emojiToggle.setAttribute('aria-expanded', String(show));
  }
  // Opened, the picker has the focus (it comes before its toggle in the page, out of Tab's way);
  // the arrow keys move in its grid.
  emojiToggle.onclick = () => {
    showEmoji(emoji.hidden);
    if (!emoji.hidden) emojiButtons[0].focus();
  };
  emoji.onkeydown = (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -EMOJI_COLUMNS, ArrowDown: EMOJI_COLUMNS }[e.key];
    const at = emojiButtons.indexOf(shadow.activeElement as HTMLButtonElement);
    if (step === undefined || at < 0) return;
    e.preventDefault();
    emojiButtons[Math.min(Math.max(at + step, 0), emojiButtons.length - 1)].focus();
  };

  const attachAll = (files: FileList | null | undefined) => {
    for (const file of files ?? []) actions.attach(file);
  };
  attach.onclick = () => picker.click();
  picker.onchange = () => {
    attachAll(picker.files);
    picker.value = ''; // the same file again is a new message
  };
  // Without preventDefault on dragover the browser would open a dropped file instead. Text dragged
  // into the text box is the browser's to insert.
  // A file dropped on the closed tab opens the chat and goes too.
  for (const target of [panel, launcher]) {
    target.ondragover = (e) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    target.ondrop = (e) => {
      const dropped = e.dataTransfer?.files;
      if (!dropped?.length) return;
      e.preventDefault();
      if (panel.hidden) open(true);
      attachAll(dropped);
    };
  }
  // A screenshot pasted into the text goes as a file. Anything with text stays text: Word and
  // Excel put a picture of what was copied beside its text.
  input.onpaste = (e) => {
    const pasted = e.clipboardData;
    if (!pasted?.files.length || pasted.types.includes('text/plain')) return;
    e.preventDefault();
    attachAll(pasted.files);
  };

  /** Where a message is in the list: messages still being sent (no seq yet) stay at the end. */
  const seqOf = (el: Element | null, none: number) => (el ? Number(el.getAttribute('data-seq') ?? Infinity) : none);

  /**
   * Puts elements into the list in seq order (`items` sorted by seq), after those of the same
   * seq. New messages go at the end, so the search walks back from there; each run of elements
   * between two that are in the list already goes in as one fragment.
   */
  const insert = (items: Array<[number, HTMLElement]>) => {
    let child = list.lastElementChild;
    for (let i = items.length; i > 0; ) {
      while (child && seqOf(child, 0) > items[i - 1][0]) child = child.previousElementSibling;
      let j = i - 1;
      while (j > 0 && (!child || items[j - 1][0] >= seqOf(child, 0))) j--;
      const run = document.createDocumentFragment();
      for (let k = j; k < i; k++) run.append(items[k][1]);
      list.insertBefore(run, child ? child.nextElementSibling : list.firstElementChild);
      i = j;
    }
    group();
  };

  /**
   * Inserts, then scrolls once: the list follows new messages only when the visitor is at its
   * end (or wrote one): someone reading older messages keeps their place. The layout is read
   * once before and once after, never per message.
   */
  const place = (items: Array<[number, HTMLElement]>, own: boolean) => {
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    insert(items);
    const answer = items.find(([, el]) => el.classList.contains('operator'))?.[1];
    if (own) toEnd();
    // A reply taller than the list is read from its start.
    else if (atEnd && answer && items.length === 1 && list.clientHeight && answer.offsetHeight > list.clientHeight) {
      list.scrollTop += answer.getBoundingClientRect().top - list.getBoundingClientRect().top;
      lastTop = list.scrollTop;
      pinned = false;
    } else if (atEnd) toEnd();
    else if (answer) pill.hidden = false;
  };
  pill.onclick = toEnd;

  /**
   * A failed message keeps the place it was written in: files picked together stay in the order
   * picked, however soon each failed. While a message written before it is still on its way, it
   * waits among them, with no seq; once none is, it goes after the messages stored so far (its
   * seq is the last one's and a half), and what is stored later goes below it.
   */
  const pin = () => {
    if (!historyShown) return;
    const after = String((stored.length ? stored[stored.length - 1].seq : 0) + 0.5);
    let el = list.lastElementChild;
    while (el?.previousElementSibling && !el.previousElementSibling.hasAttribute('data-seq')) el = el.previousElementSibling;
    for (; el && !el.hasAttribute('data-seq') && !el.classList.contains('sending'); el = el.nextElementSibling) el.setAttribute('data-seq', after);
  };

  /**
   * An operator's messages in a row show who wrote them once, above the first; a screen reader
   * still hears the name with each (style.ts).
   */
  const group = () => {
    let before: string | null = null;
    for (const li of list.children) {
      const who = li.getAttribute('data-who');
      li.classList.toggle('cont', who !== null && who === before);
      before = who;
    }
  };

  const draw = (m: VisitorMessage): [number, HTMLElement] => {
    const el = messageElement(m);
    byId.set(m.id, el);
    return [m.seq, el];
  };

  /** Draws the messages held from `stored[from]` on that are not drawn yet, above those that are. */
  const drawFrom = (from: number) => {
    insert(stored.slice(from, drawnFrom).map(draw));
    drawnFrom = from;
  };

  /** The visitor has scrolled up near the oldest message drawn: the ones before it are drawn above. */
  const drawOlder = () => {
    const from = Math.max(0, drawnFrom - DRAWN_AT_ONCE);
    const anchor = byId.get(stored[drawnFrom].id)!;
    const top = anchor.getBoundingClientRect().top;
    drawFrom(from);
    // What the visitor was reading stays where it was (whether or not the browser's own scroll
    // anchoring has moved it already).
    list.scrollTop += anchor.getBoundingClientRect().top - top;
    lastTop = list.scrollTop;
  };

  /** Where a message of this seq is, or goes, in `stored`. */
  const storedAt = (seq: number) => {
    let lo = 0;
    let hi = stored.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stored[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /**
   * The visitor's message as stored takes over the element that showed it as sending, where it
   * is: a text message keeps its text (a screen reader reading it keeps its place), and moves only
   * if out of order. Null when it needs no placing.
   */
  const settle = (sending: HTMLElement, m: VisitorMessage): [number, HTMLElement] | null => {
    let el: HTMLElement = messageElement(m);
    if (!m.attachments.length && sending.querySelector('.body')?.textContent === m.body) {
      for (const name of ['class', 'data-id', 'data-seq']) sending.setAttribute(name, el.getAttribute(name)!);
      sending.removeAttribute('data-client-id');
      sending.lastElementChild!.replaceWith(el.lastElementChild!); // "Sending…" becomes the time
      el = sending;
    } else sending.replaceWith(el);
    byId.set(m.id, el);
    if (seqOf(el.previousElementSibling, -Infinity) <= m.seq && m.seq <= seqOf(el.nextElementSibling, Infinity)) return null;
    el.remove();
    return [m.seq, el];
  };

  /** An operator message as a screen reader hears it: who, then what (its files by name). */
  const spoken = (m: VisitorMessage) =>
    `${m.operator ? `${m.operator.name}: ` : ''}${[m.body, ...m.attachments.map((a) => a.name)].filter(Boolean).join(' ')}`;

  const announce = (text: string) => {
    const said = element('p', undefined, text);
    announcements.append(said);
    if (announcements.childElementCount > ANNOUNCEMENTS_KEPT) announcements.firstElementChild!.remove();
    setTimeout(() => said.remove(), ANNOUNCED_FOR_MS);
  };

  const files = (attachments: Attachment[]) => {
    const box = element('div', 'files');
    for (const a of attachments) {
      const href = safeUrl(a.url, serverOrigin);
      if (!href) continue;
      if (a.mime.startsWith('image/')) {
        const img = element('img');
        img.src = href;
        img.alt = a.name;
        // Its size is known only once loaded: a list that showed its end keeps showing it.
        img.onload = () => pinned && toEnd();
        const l = link(href, '');
        l.append(img);
        box.append(l);
      } else {
        const l = link(href, `${a.name} (${formatSize(a.size)})`);
        l.download = a.name;
        // The paperclip beside the link, not in it: a link made from a message holds text only.
        const file = element('div', 'file');
        file.append(icon(CLIP_ICON), l);
        box.append(file);
      }
    }
    return box;
  };

  const operatorLine = (operator: NonNullable<VisitorMessage['operator']>) => {
    const who = element('div', 'who');
    const src = operator.avatarUrl ? safeUrl(operator.avatarUrl, serverOrigin) : null;
    if (src) {
      const img = element('img', 'avatar');
      img.src = src;
      img.alt = '';
      who.append(img);
    } else {
      // The first character, not the first UTF-16 unit: half an emoji would show as �.
      // Hidden from a screen reader: the name after it says it all.
      const initial = element('span', 'avatar', ([...operator.name][0] ?? '').toUpperCase());
      initial.setAttribute('aria-hidden', 'true');
      who.append(initial);
    }
    who.append(element('span', 'name', operator.name));
    return who;
  };

  // In the widget's language, as the words beside them are, not the browser's (a Russian page in
  // an English browser said "09:55 PM"): 21:55 in Russian, English's own clock in English. Made
  // once: toLocaleTimeString() builds a new formatter on every call, the most costly part of
  // drawing a message.
  const clockFormat = new Intl.DateTimeFormat(words.lang, { hour: '2-digit', minute: '2-digit' });
  const dayFormat = new Intl.DateTimeFormat(words.lang, { day: 'numeric', month: 'short' });
  /** The time of day; with the date for a message from another day. */
  const time = (iso: string) => {
    const d = new Date(iso);
    const clock = clockFormat.format(d);
    const today = d.toDateString() === new Date().toDateString();
    const t = element('time', undefined, today ? clock : `${dayFormat.format(d)} ${clock}`);
    t.dateTime = iso;
    return t;
  };

  /** The × of a failed message: drops it. */
  const discard = (clientId: string) => {
    const drop = element('button', 'discard', '×');
    drop.type = 'button';
    drop.setAttribute('aria-label', words.discard);
    drop.onclick = (e) => {
      e.stopPropagation();
      actions.discard(clientId);
      // The focus was on the × that is gone: the text box, not the page's start, has it next.
      input.focus();
    };
    return drop;
  };

  /** Who wrote it, for a screen reader: an operator's message shows its name, the visitor's none. */
  const yours = () => element('span', 'sr', `${words.yours}: `);

  const messageElement = (m: VisitorMessage) => {
    const li = element('li', `msg ${m.author}`);
    li.setAttribute('data-id', String(m.id));
    li.setAttribute('data-seq', String(m.seq));
    if (m.operator) {
      li.setAttribute('data-who', `${m.operator.name}\n${m.operator.avatarUrl}`);
      li.append(operatorLine(m.operator));
    } else if (m.author === 'visitor') li.append(yours());
    const body = element('div', 'body');
    body.dir = 'auto';
    appendText(body, m.body);
    const meta = element('div', 'meta');
    meta.append(time(m.createdAt));
    if (m.editedAt) meta.append(element('span', 'edited', words.edited));
    li.append(body);
    if (m.attachments.length) li.append(files(m.attachments));
    li.append(meta);
    return li;
  };

  return {
    words,
    /** Opens the panel by itself (an answer came, or the visitor left it open on the site's last page). */
    open() {
      if (root.hidden) return;
      if (panel.hidden) openedAt = Date.now();
      open(true);
    },
    /**
     * The site opens the chat (`parley('open')`), showing the widget if it hid it; the text box
     * takes the focus when the visitor has just clicked or pressed a key (the site's "Contact us"),
     * not when a page opens it as it loads.
     */
    openBySite() {
      hide(false);
      const user = (navigator as { userActivation?: { isActive: boolean } }).userActivation;
      if (user?.isActive) openByVisitor();
      else open(true);
    },
    /** The site closes the chat: as the visitor would, answers on this page then only count on the tab. */
    closeBySite: () => !panel.hidden && closeByVisitor(),
    hide,
    /** The site's placement of the tab, its stacking and theme (api.ts). */
    place(look: Look) {
      root.classList.toggle('left', look.position === 'left');
      const px = (name: string, v: number | null) => (v === null ? root.style.removeProperty(name) : root.style.setProperty(name, `${v}px`));
      px('--px', look.offsetX);
      px('--py', look.offsetY);
      root.style.zIndex = look.zIndex === null ? '' : String(look.zIndex);
      theme = look.theme;
      paint();
    },
    /** Opening by itself now would cover the site (a small screen) or what the visitor types into it, or the site hid the widget. */
    intrudes: () => root.hidden || small.matches || typingInSite(host),
    /** An answer the panel did not open for, in a line above the tab. */
    preview(m: VisitorMessage) {
      snippet.textContent = spoken(m);
      preview.hidden = !panel.hidden;
    },
    setDraft(text: string) {
      input.value = text;
    },
    announce,
    isOpen: () => !panel.hidden,
    /** How many operator messages the visitor has not seen (`atLeast`: or more): on the tab while the panel is closed. */
    setUnread(count: number, atLeast = false) {
      badge.textContent = count > 99 ? '99+' : count ? `${count}${atLeast ? '+' : ''}` : '';
      badge.hidden = count === 0;
      launcher.setAttribute('aria-label', count ? `${words.title}, ${words.unread(count, atLeast)}` : words.title);
      if (!count) preview.hidden = true;
    },
    /**
     * The open panel shows where the messages the visitor has not seen begin: the divider above
     * `first` (drawn now if it was not), at the top of the list.
     */
    showNew(first: VisitorMessage) {
      const at = storedAt(first.seq);
      if (stored[at]?.id !== first.id) return;
      if (at < drawnFrom) drawFrom(at);
      // Between the message before and `first` (a failed message after that one is at its seq + 0.5).
      divider.remove();
      divider.setAttribute('data-seq', String(first.seq - 0.25));
      insert([[first.seq - 0.25, divider]]);
      list.scrollTop += divider.getBoundingClientRect().top - list.getBoundingClientRect().top;
      lastTop = list.scrollTop;
      pinned = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      upward();
    },
    /**
     * Older messages from the server, the page before the oldest held: drawn at once when the
     * visitor is near the top (what they were reading stays in place), else when they get there.
     */
    putOlder(ms: VisitorMessage[]) {
      const older = ms.filter((m) => !stored.length || m.seq < stored[0].seq);
      stored = older.concat(stored);
      drawnFrom += older.length;
      upward();
    },
    setOnline(isOnline: boolean) {
      online = isOnline;
      showLauncher();
    },
    /** Whether the visitor has messages here (then the tab stays with nobody online). */
    setConversation(has: boolean) {
      conversation = has;
      showLauncher();
    },
    /**
     * Said once per change: every failed reconnect attempt reports the connection down again, and
     * a new text would be announced each time. Back, it says so to a screen reader only (and
     * nothing on the page's first connection).
     */
    setConnected(connected: boolean) {
      const was = host.getAttribute('data-connection');
      const now = connected ? 'open' : 'closed';
      if (was === now) return;
      historyShown ||= connected;
      host.setAttribute('data-connection', now);
      status.textContent = connected ? (was === 'closed' ? words.reconnected : '') : words.reconnecting;
      status.classList.toggle('sr', connected);
    },
    /**
     * The project's look: its accent colour (checked by the server as #rrggbb), with black or
     * white text on it, whichever reads better; and its greeting, whose links work as in messages.
     */
    setLook(look: { color: string | null; greeting: string | null }) {
      if (look.color) {
        root.style.setProperty('--accent', look.color);
        root.style.setProperty('--on-accent', textOn(look.color));
      } else {
        root.style.removeProperty('--accent');
        root.style.removeProperty('--on-accent');
      }
      greeting.replaceChildren();
      appendText(greeting, look.greeting ?? '');
      greeting.hidden = !look.greeting;
    },

    setName(name: string) {
      me.textContent = words.you(name);
    },
    /**
     * Shows stored messages (a history, or one sent live), or replaces those with their id (an
     * edit). New ones go into the list at once, in one pass; of a long history only the newest
     * are drawn. With `announceNew`, a screen reader hears the new operator messages.
     */
    put(ms: VisitorMessage[], announceNew: boolean) {
      const fresh: VisitorMessage[] = [];
      for (const m of ms) {
        const at = storedAt(m.seq);
        if (stored[at]?.id === m.id) {
          stored[at] = m;
          const old = byId.get(m.id);
          if (old) old.replaceWith(draw(m)[1]);
        } else {
          stored.splice(at, 0, m);
          // Older than every message drawn: drawn when the visitor scrolls up to it.
          if (at < drawnFrom) drawnFrom++;
          else fresh.push(m);
        }
        if (m.author === 'operator') typing.hidden = true;
      }
      fresh.sort((a, b) => a.seq - b.seq);
      if (fresh.length > DRAWN_AT_ONCE) {
        // Drawn from the newest end; what was drawn before them is taken out, leaving no gap.
        const from = storedAt(fresh[fresh.length - DRAWN_AT_ONCE].seq);
        for (const m of stored.slice(drawnFrom, from)) {
          byId.get(m.id)?.remove();
          byId.delete(m.id);
        }
        drawnFrom = from;
      }
      const items: Array<[number, HTMLElement]> = [];
      for (const m of fresh) {
        const sending = m.author === 'visitor' && m.clientId !== undefined ? byClientId.get(m.clientId) : undefined;
        if (sending) byClientId.delete(m.clientId!);
        // Among the older messages, not drawn: its "Sending…" element goes.
        if (m.seq < stored[drawnFrom].seq) sending?.remove();
        else {
          const item = sending ? settle(sending, m) : draw(m);
          if (item) items.push(item);
          if (announceNew && m.author === 'operator') announce(spoken(m));
        }
      }
      if (fresh.length) place(items, fresh.some((m) => m.author === 'visitor'));
      else group(); // an edit drew its message again
      pin();
    },
    /**
     * A message on its way, last in the list; with `failure` (the reason) it failed, and keeps
     * its place among the messages stored after it. A click on a failed one (or on its "Not sent"
     * line, a button for the keyboard) retries it, unless the refusal is `final` (a retry would
     * be refused again); its × drops it. A file shows its name after a paperclip.
     */
    putPending(clientId: string, what: string | File, failure: string | null, final = false) {
      const li = element('li', `msg visitor ${failure === null ? 'sending' : final ? 'failed final' : 'failed'}`);
      li.setAttribute('data-client-id', clientId);
      const text = element('div', 'body');
      text.dir = 'auto';
      const body = typeof what === 'string' ? what : what.name;
      if (typeof what === 'string') appendText(text, what);
      else text.append(icon(CLIP_ICON), body);
      if (failure === null) li.append(yours(), text, element('div', 'meta', words.sending));
      else if (final) li.append(discard(clientId), yours(), text, element('div', 'meta', words.refused(failure)));
      else {
        const retry = element('button', 'meta retry', words.notSent(failure));
        retry.type = 'button';
        li.onclick = () => actions.retry(clientId);
        li.append(discard(clientId), yours(), text, retry);
      }
      const old = byClientId.get(clientId);
      byClientId.set(clientId, li);
      if (failure === null) {
        // Sent again after failing: last again, as it will be stored.
        if (old && !old.hasAttribute('data-seq')) old.replaceWith(li);
        else {
          old?.remove();
          place([[Infinity, li]], true);
        }
        return;
      }
      // A screen reader hears a message fail on this page (not one restored as failed).
      if (old?.classList.contains('sending')) announce(`${words.yours}: ${body}. ${li.lastElementChild!.textContent}`);
      // Failed where it was written, in its place (pin() places it among the stored messages);
      // restored from an earlier page, last.
      const seq = old?.getAttribute('data-seq');
      if (seq) li.setAttribute('data-seq', seq);
      if (old) {
        old.replaceWith(li);
        if (pinned) toEnd();
      } else place([[Infinity, li]], false);
      pin();
    },
    /**
     * A file on its way: a button that cancels it, and once its upload has started, how much of
     * it has gone (`percent`), or (null) that it waits to go again: "100%" would read as done.
     * Both go when the message is put again (uploaded, or failed).
     */
    progress(clientId: string, percent?: number | null) {
      const li = byClientId.get(clientId);
      const meta = li?.querySelector('.meta');
      if (!li?.classList.contains('sending') || !meta) return;
      if (!li.querySelector('.cancel')) {
        const cancel = element('button', 'cancel', words.cancelUpload);
        cancel.type = 'button';
        cancel.onclick = () => {
          actions.discard(clientId);
          input.focus();
        };
        meta.after(cancel);
      }
      if (percent === undefined) return;
      if (percent === null) {
        li.querySelector('progress')?.remove();
        meta.textContent = words.uploadWaits;
        return;
      }
      let bar = li.querySelector('progress');
      if (!bar) {
        bar = element('progress');
        bar.max = 100;
        bar.setAttribute('aria-label', words.uploading);
        meta.before(bar);
      }
      bar.value = percent;
      meta.textContent = `${words.uploading} ${percent}%`;
    },
    removePending(clientId: string) {
      byClientId.get(clientId)?.remove();
      byClientId.delete(clientId);
      group();
      pin();
    },
    /** Another visitor now (the server no longer knew our token): forget what was shown. */
    clear() {
      byId.clear();
      stored = [];
      drawnFrom = 0;
      for (const el of byClientId.values()) el.removeAttribute('data-seq');
      list.replaceChildren(...byClientId.values());
      pill.hidden = true;
    },
    showTyping() {
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.hidden = true), TYPING_SHOWN_MS);
    },
  };
}
