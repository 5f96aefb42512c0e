// The widget's DOM: a launcher (the chat tab) and a panel with the messages and the composer,
// all inside a shadow root. The view only draws; the conversation (chat.ts) decides.
import { formatSize } from '../core/format-size.js';
import { MAX_BODY } from '../core/protocol/constants.js';
import type { Attachment, VisitorMessage } from '../core/protocol/dialogs.js';
import { STYLE } from './style.js';
import { appendText, element, link, safeUrl } from './text.js';
import { wordsFor } from './words.js';

const EMOJI = ['😀', '😂', '😊', '😍', '😉', '😎', '🤔', '😅', '😢', '😡', '👍', '👎', '👋', '🙏', '👏', '💪', '❤️', '🎉', '🔥', '✅', '❌', '⭐', '📦', '💬'];
/** How long an operator's typing shows after their last keystroke signal. */
const TYPING_SHOWN_MS = 4000;
/** The emoji grid's columns (style.ts). */
const EMOJI_COLUMNS = 8;

export interface ViewActions {
  send(body: string): void;
  attach(file: File): void;
  typing(): void;
  retry(clientId: string): void;
  /** Drops a message that failed (a file the server refused, say). */
  discard(clientId: string): void;
  /** The panel has just opened: the visitor now sees every message in it. */
  opened(): void;
}

export type View = ReturnType<typeof createView>;

export function createView(serverOrigin: string, actions: ViewActions) {
  const words = wordsFor(document.documentElement.lang);
  // A name of our own, not a div: the site's rules for divs (div:empty{display:none}, padding,
  // borders) do not match it, and :host's !important rules (style.ts) win over any that do.
  const host = document.createElement('parley-chat');
  host.setAttribute('data-parley', '');
  host.setAttribute('data-connection', 'connecting');
  // Open so that site scripts and tests can look inside; the site's CSS still cannot.
  const shadow = host.attachShadow({ mode: 'open' });
  const style = element('style', undefined, STYLE);
  const root = element('div', 'root');

  const panel = element('section', 'panel');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', words.title);
  panel.id = 'parley-panel';
  const header = element('header', undefined);
  const close = element('button', 'close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', words.close);
  header.append(element('span', undefined, words.title), close);
  const status = element('div', 'status', words.connecting);
  // Announced: a screen reader hears the connection drop and come back.
  status.setAttribute('role', 'status');
  const greeting = element('div', 'greeting');
  greeting.hidden = true;
  const away = element('div', 'away', words.away);
  away.hidden = true;
  const list = element('ol', 'messages');
  list.setAttribute('aria-live', 'polite');
  const typing = element('div', 'typing', words.typing);
  typing.hidden = true;
  const emoji = element('div', 'emoji');
  emoji.hidden = true;
  emoji.id = 'parley-emoji';
  const notice = element('div', 'notice');
  notice.setAttribute('role', 'alert');
  notice.hidden = true;
  const form = element('form');
  const emojiToggle = element('button', 'emoji-toggle', '😊');
  emojiToggle.type = 'button';
  emojiToggle.setAttribute('aria-label', words.emoji);
  emojiToggle.setAttribute('aria-controls', emoji.id);
  emojiToggle.setAttribute('aria-expanded', 'false');
  const attach = element('button', 'attach', '📎');
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
  panel.append(header, greeting, away, status, list, typing, emoji, notice, form, me);

  const launcher = element('button', 'launcher', words.launcher);
  launcher.type = 'button';
  launcher.hidden = true;
  launcher.setAttribute('aria-controls', panel.id);
  launcher.setAttribute('aria-expanded', 'false');
  root.append(panel, launcher);
  shadow.append(style, root);
  document.body.append(host);

  const byId = new Map<number, HTMLElement>();
  const byClientId = new Map<string, HTMLElement>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let online = false;
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
    pinned = true;
  };
  // Only the visitor scrolling up unpins it. The scroll event of our own toEnd() may come after an
  // image grew the list (its height changed, not its scrollTop): that is no reason to unpin.
  let lastTop = 0;
  list.onscroll = () => {
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) pinned = true;
    else if (list.scrollTop < lastTop) pinned = false;
    lastTop = list.scrollTop;
  };

  /**
   * The tab shows while an operator is online, for a visitor already in a conversation, and while
   * the panel is open (it closes it: the last operator leaving must not take away the way out).
   */
  const showLauncher = () => {
    launcher.hidden = !(online || conversation || !panel.hidden);
    away.hidden = online;
  };

  // Focus moves only when the visitor opens it: an operator message must not steal the site's focus.
  // An open panel stays where the visitor scrolled it.
  const open = (show: boolean) => {
    const opening = show && panel.hidden;
    panel.hidden = !show;
    launcher.setAttribute('aria-expanded', String(show));
    if (!show) showEmoji(false);
    showLauncher();
    if (opening) {
      toEnd();
      actions.opened();
    }
  };
  /** Closed by the visitor: the focus goes back to the tab rather than to the page's start. */
  const closeByVisitor = () => {
    const within = shadow.activeElement !== null;
    open(false);
    if (within && !launcher.hidden) launcher.focus();
  };
  launcher.onclick = () => {
    open(panel.hidden);
    if (!panel.hidden) input.focus();
  };
  // Escape closes the emoji picker first (the focus going back to its toggle if it was in the
  // picker), then the chat; from the tab too.
  panel.onkeydown = (e) => {
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
    grow();
    showEmoji(false);
  };
  const grow = () => {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + 2}px`;
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
  // Without preventDefault on dragover the browser would open a dropped file instead.
  // A file dropped on the closed tab opens the chat and goes too.
  for (const target of [panel, launcher]) {
    target.ondragover = (e) => e.preventDefault();
    target.ondrop = (e) => {
      e.preventDefault();
      if (panel.hidden) open(true);
      attachAll(e.dataTransfer?.files);
    };
  }
  // A screenshot (or a file copied in the file manager) pasted into the text goes as a file;
  // pasted text stays text.
  input.onpaste = (e) => {
    const pasted = e.clipboardData?.files;
    if (!pasted?.length) return;
    e.preventDefault();
    attachAll(pasted);
  };

  /**
   * Messages in seq order; messages still being sent (no seq yet) stay at the end. The list
   * follows a new message only when the visitor is at its end (or wrote it): someone reading
   * older messages keeps their place.
   */
  const place = (el: HTMLElement, seq: number, own: boolean) => {
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const after = [...list.children].find((c) => Number(c.getAttribute('data-seq') ?? Infinity) > seq);
    list.insertBefore(el, after ?? null);
    if (atEnd || own) toEnd();
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
        const l = link(href, `📎 ${a.name} (${formatSize(a.size)})`);
        l.download = a.name;
        box.append(l);
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
      who.append(element('span', 'avatar', ([...operator.name][0] ?? '').toUpperCase()));
    }
    who.append(element('span', 'name', operator.name));
    return who;
  };

  /** The time of day; with the date for a message from another day. */
  const time = (iso: string) => {
    const d = new Date(iso);
    const clock = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const today = d.toDateString() === new Date().toDateString();
    const t = element('time', undefined, today ? clock : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${clock}`);
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
    if (m.operator) li.append(operatorLine(m.operator));
    else if (m.author === 'visitor') li.append(yours());
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
    open,
    isOpen: () => !panel.hidden,
    setOnline(isOnline: boolean) {
      online = isOnline;
      showLauncher();
    },
    /** Whether the visitor has messages here (then the tab stays with nobody online). */
    setConversation(has: boolean) {
      conversation = has;
      showLauncher();
    },
    setConnected(connected: boolean) {
      historyShown ||= connected;
      host.setAttribute('data-connection', connected ? 'open' : 'closed');
      status.textContent = words.reconnecting;
      status.hidden = connected;
    },
    /** The project's look: its accent colour (checked by the server as #rrggbb) and greeting. */
    setLook(look: { color: string | null; greeting: string | null }) {
      if (look.color) root.style.setProperty('--accent', look.color);
      else root.style.removeProperty('--accent');
      greeting.textContent = look.greeting ?? '';
      greeting.hidden = !look.greeting;
    },

    setName(name: string) {
      me.textContent = words.you(name);
    },
    /** Shows a stored message, or replaces the one with its id (an edit, a newer rev). */
    put(m: VisitorMessage) {
      const el = messageElement(m);
      const old = byId.get(m.id);
      byId.set(m.id, el);
      if (old) old.replaceWith(el);
      else place(el, m.seq, m.author === 'visitor');
      if (m.author === 'operator') typing.hidden = true;
    },
    /**
     * A message on its way, last in the list; with `failure` (the reason) it failed, and keeps
     * its place among the messages stored after it. A click on a failed one (or on its "Not sent"
     * line, a button for the keyboard) retries it, unless the refusal is `final` (a retry would
     * be refused again); its × drops it.
     */
    putPending(clientId: string, body: string, failure: string | null, final = false) {
      const li = element('li', `msg visitor ${failure === null ? 'sending' : final ? 'failed final' : 'failed'}`);
      li.setAttribute('data-client-id', clientId);
      const text = element('div', 'body');
      text.dir = 'auto';
      appendText(text, body);
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
          place(li, Infinity, true);
        }
        return;
      }
      // Failed where it was written: after the messages stored so far (failing again with no
      // send between, it keeps its place; sent again, it goes after those stored meanwhile).
      // Restored from an earlier page, before the history is shown, it stays last.
      const stored = list.querySelectorAll('li[data-id]');
      const lastSeq = stored.length ? Number(stored[stored.length - 1].getAttribute('data-seq')) : 0;
      const after = old?.getAttribute('data-seq') ?? (historyShown ? String(lastSeq + 0.5) : null);
      if (after !== null) li.setAttribute('data-seq', after);
      old?.remove();
      place(li, Number(after ?? Infinity), false);
    },
    removePending(clientId: string) {
      byClientId.get(clientId)?.remove();
      byClientId.delete(clientId);
    },
    /** Another visitor now (the server no longer knew our token): forget what was shown. */
    clear() {
      byId.clear();
      for (const el of byClientId.values()) el.removeAttribute('data-seq');
      list.replaceChildren(...byClientId.values());
    },
    showTyping() {
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.hidden = true), TYPING_SHOWN_MS);
    },
  };
}
