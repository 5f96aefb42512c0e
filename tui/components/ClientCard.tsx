// The visitor's client card: generated name, real name, phone, email, notes, page, UTM tags and
// the dialog's lead class. A name, phone or email the site gave (identify) is marked as the
// site's, unverified; an operator's edit makes it theirs. `i` edits the card, `l` picks the lead
// class. Where the visitor is and came from (page, URL, referrer) is wrapped over as many rows as
// it takes, never cut: a URL is there to be read whole or copied from the terminal.
import type { SiteCardField } from '../../core/protocol/index.js';
import { Box, Text, usePaneBorder } from '../theme.js';
import { displayWidth, oneLine, wrapAtWidth } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { fitWording } from '../state/cut.js';
import { CutRow } from './CutRow.js';

/** `value` in rows of `width` columns, the first `first` columns narrower: at spaces, a longer word (a URL) cut where the row ends. */
function wrapValue(value: string, width: number, first: number): string[] {
  const rows: string[] = [];
  let rest = value;
  for (let room = Math.max(1, first); rest !== ''; room = width) {
    const [row, after] = wrapAtWidth(rest, Math.max(1, room));
    rows.push(row);
    rest = after;
  }
  return rows.length ? rows : [''];
}

/**
 * What follows a value the site gave (the widget's identify): its word, not an operator's. On a
 * narrow card the mark is shortened; with no room for it beside the value, it takes a row of its
 * own under it, so the value is never cut for it and the mark is never lost.
 */
const FROM_SITE = [' (from site)', ' (site)'];

/**
 * The card's lines as rows `width` wide: `wrap`, the value whole over several; else one, cut.
 * `fromSite`: the value is the site's, marked so.
 */
function fieldRows(key: string, label: string, value: string | null | undefined, width: number, wrap = false, fromSite = false) {
  const text = (value && oneLine(value)) || '—';
  const head = `${label}: `;
  if (!wrap) {
    const row = (mark: string) => <CutRow key={key} width={width} pieces={[{ text: head, dimColor: true }, { text }, { text: mark, dimColor: true }]} />;
    if (!fromSite || !value) return [row('')];
    const mark = FROM_SITE.find((m) => displayWidth(head + text + m) <= width);
    if (mark !== undefined) return [row(mark)];
    return [row(''), <CutRow key={`${key}:site`} width={width} pieces={[{ text: '  (from site)', dimColor: true }]} />];
  }
  return wrapValue(text, width, width - displayWidth(head)).map((row, i) =>
    i === 0 ? <CutRow key={key} width={width} pieces={[{ text: head, dimColor: true }, { text: row }]} /> : <CutRow key={`${key}:${i}`} width={width} pieces={[{ text: row }]} />,
  );
}

export function ClientCard({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const detail = useStore(stores.thread).detail;
  const focus = useStore(stores.focus);
  const focused = focus.pane === 'card' && !focus.overlay;
  const border = usePaneBorder(focused);
  const inner = width - 4;
  if (!detail) {
    return (
      <Box width={width} height={height} {...border} paddingX={1} overflow="hidden">
        <Text dimColor wrap="truncate-end">
          Client card
        </Text>
      </Box>
    );
  }
  const { visitor, dialog, visitorOnline } = detail;
  const utm = Object.entries(visitor.utm).map(([k, v]) => `${k.replace(/^utm_/, '')}=${v}`);
  // Older servers do not say where the visitor writes from: the landing page stands for it.
  const here = visitor.currentPage ?? visitor.page;
  const landed = visitor.page.url !== null && here.url !== visitor.page.url;
  // Older servers do not say which values the site gave: none is marked.
  const fromSite = (field: SiteCardField) => visitor.card.fromSite?.includes(field) ?? false;
  // Only the lines that fit: on a short terminal the last ones go rather than squeezing together.
  const lines = [
    ...fieldRows('name', 'Name', visitor.card.realName, inner, false, fromSite('realName')),
    ...fieldRows('phone', 'Phone', visitor.card.phone, inner, false, fromSite('phone')),
    ...fieldRows('email', 'Email', visitor.card.email, inner, false, fromSite('email')),
    ...fieldRows('notes', 'Notes', visitor.card.notes, inner),
    ...fieldRows('lead', 'Lead class', dialog.leadClass, inner),
    // Where they write from; where their visit began, with what brought them, when elsewhere.
    ...fieldRows('page', 'Page', here.title ?? here.url, inner, true),
    ...(here.title && here.url ? fieldRows('url', 'URL', here.url, inner, true) : []),
    ...(landed ? fieldRows('landed', 'Landed', visitor.page.url, inner, true) : []),
    ...fieldRows('from', 'From', visitor.page.referrer, inner, true),
    ...(utm.length ? utm.flatMap((u) => fieldRows(`utm:${u}`, 'UTM', u, inner)) : fieldRows('utm', 'UTM', null, inner)),
    <CutRow
      key="hint"
      width={inner}
      dimColor
      pieces={fitWording([[{ text: `${keyOf('EditCard')} edit · ${keyOf('LeadClass')} lead class` }], [{ text: `${keyOf('EditCard')} edit · ${keyOf('LeadClass')} lead` }]], inner)}
    />,
  ];
  return (
    <Box flexDirection="column" width={width} height={height} {...border} paddingX={1} overflow="hidden">
      <CutRow
        width={inner}
        bold
        pieces={[
          { text: `${oneLine(visitor.name)} ` },
          { text: visitorOnline ? '● on the site' : '○ away', color: visitorOnline ? 'green' : 'gray' },
        ]}
      />
      {lines.slice(0, Math.max(0, height - 3))}
    </Box>
  );
}
