// The visitor's client card: generated name, real name, phone, email, notes, page, UTM tags and
// the dialog's lead class. `i` edits the card, `l` picks the lead class.
import { Box, Text, usePaneBorder } from '../theme.js';
import { oneLine } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';

/** One line of the card: what the visitor (or an operator) typed, tabs and line breaks made spaces. */
function Field({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{label}: </Text>
      {(value && oneLine(value)) || '—'}
    </Text>
  );
}

export function ClientCard({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const detail = useStore(stores.thread).detail;
  const focus = useStore(stores.focus);
  const focused = focus.pane === 'card' && !focus.overlay;
  const border = usePaneBorder(focused);
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
  // Only the lines that fit: on a short terminal the last ones go rather than squeezing together.
  const lines = [
    <Field key="name" label="Name" value={visitor.card.realName} />,
    <Field key="phone" label="Phone" value={visitor.card.phone} />,
    <Field key="email" label="Email" value={visitor.card.email} />,
    <Field key="notes" label="Notes" value={visitor.card.notes} />,
    <Field key="lead" label="Lead class" value={dialog.leadClass} />,
    // Where they write from; where their visit began, with what brought them, when elsewhere.
    <Field key="page" label="Page" value={here.title ?? here.url} />,
    ...(here.title && here.url ? [<Field key="url" label="URL" value={here.url} />] : []),
    ...(landed ? [<Field key="landed" label="Landed" value={visitor.page.url} />] : []),
    <Field key="from" label="From" value={visitor.page.referrer} />,
    ...(utm.length ? utm.map((u) => <Field key={`utm:${u}`} label="UTM" value={u} />) : [<Field key="utm" label="UTM" value={null} />]),
    <Text key="hint" dimColor wrap="truncate-end">
      {keyOf('EditCard')} edit · {keyOf('LeadClass')} lead class
    </Text>,
  ];
  return (
    <Box flexDirection="column" width={width} height={height} {...border} paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {oneLine(visitor.name)} <Text color={visitorOnline ? 'green' : 'gray'}>{visitorOnline ? '● on the site' : '○ away'}</Text>
      </Text>
      {lines.slice(0, Math.max(0, height - 3))}
    </Box>
  );
}
