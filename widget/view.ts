// The widget's DOM: a launcher (the chat tab) and a panel with the messages and the composer,
// all inside a shadow root. The view only draws; the conversation (chat.ts) decides.
import type { Attachment, VisitorMessage } from '../core/protocol/dialogs.js';
import { STYLE } from './style.js';
import { appendText, element, link, safeUrl } from './text.js';

const EMOJI = ['😀', '😂', '😊', '😍', '😉', '😎', '🤔', '😅', '😢', '😡', '👍', '👎', '👋', '🙏', '👏', '💪', '❤️', '🎉', '🔥', '✅', '❌', '⭐', '📦', '💬'];
/** How long an operator's typing shows after their last keystroke signal. */
const TYPING_SHOWN_MS = 4000;

export interface ViewActions {
  send(body: string): void;
  attach(file: File): void;
  typing(): void;
  retry(clientId: string): void;
}

export type View = ReturnType<typeof createView>;

export function createView(serverOrigin: string, actions: ViewActions) {
  const host = element('div');
  host.setAttribute('data-parley', '');
  host.setAttribute('data-connection', 'connecting');
  // Open so that site scripts and tests can look inside; the site's CSS still cannot.
  const shadow = host.attachShadow({ mode: 'open' });
  const style = element('style', undefined, STYLE);
  const root = element('div', 'root');

  const panel = element('section', 'panel');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', 'Chat');
  const header = element('header', undefined);
  const close = element('button', 'close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', 'Close chat');
  header.append(element('span', undefined, 'Chat with us'), close);
  const status = element('div', 'status', 'Connecting…');
  const greeting = element('div', 'greeting');
  greeting.hidden = true;
  const list = element('ol', 'messages');
  list.setAttribute('aria-live', 'polite');
  const typing = element('div', 'typing', 'An operator is typing…');
  typing.hidden = true;
  const emoji = element('div', 'emoji');
  emoji.hidden = true;
  const form = element('form');
  const emojiToggle = element('button', 'emoji-toggle', '😊');
  emojiToggle.type = 'button';
  emojiToggle.setAttribute('aria-label', 'Emoji');
  const attach = element('button', 'attach', '📎');
  attach.type = 'button';
  attach.setAttribute('aria-label', 'Attach a file');
  const picker = element('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.hidden = true;
  const input = element('textarea');
  input.rows = 1;
  input.placeholder = 'Type a message…';
  input.setAttribute('aria-label', 'Message');
  const sendButton = element('button', 'send', 'Send');
  sendButton.type = 'submit';
  form.append(emojiToggle, attach, picker, input, sendButton);
  const me = element('div', 'me');
  panel.append(header, greeting, status, list, typing, emoji, form, me);

  const launcher = element('button', 'launcher', '💬 Chat with us');
  launcher.type = 'button';
  launcher.hidden = true;
  root.append(panel, launcher);
  shadow.append(style, root);
  document.body.append(host);

  const byId = new Map<number, HTMLElement>();
  const byClientId = new Map<string, HTMLElement>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  const open = (show: boolean) => {
    panel.hidden = !show;
    // Focus moves only when the visitor opens it: an operator message must not steal the site's focus.
    if (show) list.scrollTop = list.scrollHeight;
  };
  launcher.onclick = () => {
    open(panel.hidden);
    if (!panel.hidden) input.focus();
  };
  panel.onkeydown = (e) => {
    if (e.key === 'Escape') open(false);
  };
  close.onclick = () => open(false);

  const submit = () => {
    const body = input.value;
    if (!body.trim()) return;
    actions.send(body);
    input.value = '';
    grow();
  };
  const grow = () => {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + 2}px`;
  };
  form.onsubmit = (e) => {
    e.preventDefault();
    submit();
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
  emojiToggle.onclick = () => {
    emoji.hidden = !emoji.hidden;
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
  panel.ondragover = (e) => e.preventDefault();
  panel.ondrop = (e) => {
    e.preventDefault();
    attachAll(e.dataTransfer?.files);
  };
  // A screenshot (or a file copied in the file manager) pasted into the text goes as a file;
  // pasted text stays text.
  input.onpaste = (e) => {
    const pasted = e.clipboardData?.files;
    if (!pasted?.length) return;
    e.preventDefault();
    attachAll(pasted);
  };

  /** Messages in seq order; messages still being sent (no seq yet) stay at the end. */
  const place = (el: HTMLElement, seq: number) => {
    const after = [...list.children].find((c) => Number(c.getAttribute('data-seq') ?? Infinity) > seq);
    list.insertBefore(el, after ?? null);
    list.scrollTop = list.scrollHeight;
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
        const l = link(href, '');
        l.append(img);
        box.append(l);
      } else {
        const l = link(href, `📎 ${a.name} (${Math.ceil(a.size / 1024)} KB)`);
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
      who.append(element('span', 'avatar', operator.name.slice(0, 1).toUpperCase()));
    }
    who.append(element('span', 'name', operator.name));
    return who;
  };

  const time = (iso: string) => {
    const d = new Date(iso);
    const t = element('time', undefined, d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    t.dateTime = iso;
    return t;
  };

  const messageElement = (m: VisitorMessage) => {
    const li = element('li', `msg ${m.author}`);
    li.setAttribute('data-id', String(m.id));
    li.setAttribute('data-seq', String(m.seq));
    if (m.operator) li.append(operatorLine(m.operator));
    const body = element('div', 'body');
    appendText(body, m.body);
    const meta = element('div', 'meta');
    meta.append(time(m.createdAt));
    if (m.editedAt) meta.append(element('span', 'edited', 'edited'));
    li.append(body);
    if (m.attachments.length) li.append(files(m.attachments));
    li.append(meta);
    return li;
  };

  return {
    open,
    setOnline(online: boolean) {
      launcher.hidden = !online;
    },
    setConnected(connected: boolean) {
      host.setAttribute('data-connection', connected ? 'open' : 'closed');
      status.textContent = 'Reconnecting…';
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
      me.textContent = `You are ${name}`;
    },
    /** Shows a stored message, or replaces the one with its id (an edit, a newer rev). */
    put(m: VisitorMessage) {
      const el = messageElement(m);
      const old = byId.get(m.id);
      byId.set(m.id, el);
      if (old) old.replaceWith(el);
      else place(el, m.seq);
      if (m.author === 'operator') typing.hidden = true;
    },
    /** A message on its way; with `failure` (the reason) it failed and a click retries it. */
    putPending(clientId: string, body: string, failure: string | null) {
      const li = element('li', `msg visitor ${failure === null ? 'sending' : 'failed'}`);
      li.setAttribute('data-client-id', clientId);
      const text = element('div', 'body');
      appendText(text, body);
      const meta = element('div', 'meta', failure === null ? 'Sending…' : `Not sent: ${failure}. Click to retry.`);
      li.append(text, meta);
      if (failure !== null) li.onclick = () => actions.retry(clientId);
      const old = byClientId.get(clientId);
      byClientId.set(clientId, li);
      if (old) old.replaceWith(li);
      else place(li, Infinity);
    },
    removePending(clientId: string) {
      byClientId.get(clientId)?.remove();
      byClientId.delete(clientId);
    },
    /** Another visitor now (the server no longer knew our token): forget what was shown. */
    clear() {
      byId.clear();
      list.replaceChildren(...byClientId.values());
    },
    showTyping() {
      typing.hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.hidden = true), TYPING_SHOWN_MS);
    },
  };
}
