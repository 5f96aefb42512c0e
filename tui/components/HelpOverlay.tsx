// The `?` overlay: every command of the keymap with its keys and where it works. It uses the
// room it has: one column when every entry fits the height, else two, and a description too long
// for its column wraps onto the rows below. Only when that does not fit either (a small terminal)
// is each entry one row, cut, and the title says so. Esc or ? closes it.
import { Box, Text } from '../theme.js';
import { displayWidth, wrapRows } from '../../core/text-layout.js';
import { type Command, KEYMAP, keysOf } from '../input/keybindings.js';

/** Columns inside the border that two columns of one-row entries need (a 70-column terminal). */
const TWO_COLUMNS = 66;
/** Blank columns at the right of a column, so that the next one does not run on from it. */
const GAP = 2;

const WHERE = { everywhere: '', composer: 'composer', panes: 'not in the composer', dialog: 'on a dialog', messages: 'on a message' };

/** One row of an entry's description: the help text, and the dim "(where)" on the last row. */
interface Row {
  help: string;
  where: string;
}

/** A command as laid out: its keys padded to `keyWidth`, then its description's rows. */
interface Entry {
  command: Command;
  keyWidth: number;
  rows: Row[];
}

interface Plan {
  /** Commands whose keys are too wide for a column: a whole row each, above the columns. */
  long: Entry[];
  columns: Entry[][];
  columnWidth: number;
  /** Commands left out for want of rows. */
  dropped: number;
  /** Some description is cut. */
  cut: boolean;
}

const whereOf = (command: Command) => {
  const where = WHERE[KEYMAP[command].where];
  return where ? ` (${where})` : '';
};

/** The description of `command` in `width` columns, wrapped at spaces; "(where)" goes below when it does not fit beside. */
function wrapped(command: Command, keyWidth: number, width: number): Entry {
  const room = Math.max(1, width - keyWidth);
  const rows: Row[] = wrapRows(KEYMAP[command].help, room).map((help) => ({ help, where: '' }));
  const where = whereOf(command);
  const last = rows[rows.length - 1];
  if (!where || displayWidth(last.help + where) <= room) last.where = where;
  else rows.push({ help: '', where: where.trimStart() });
  return { command, keyWidth, rows };
}

/** The description on one row, cut by the Text that draws it when too long. */
const oneRow = (command: Command, keyWidth: number): Entry => ({ command, keyWidth, rows: [{ help: KEYMAP[command].help, where: whereOf(command) }] });

/** The width of the keys: fixed in two columns; in one, the widest keys' (up to a point). */
/**
 * The width of the keys' column. Keys that do not fit it (Send's three) get a row of their own
 * above the columns, so a narrow window still leaves its descriptions the room.
 */
const KEY_WIDTH = 13;

const height = (entries: Entry[]) => entries.reduce((n, e) => n + e.rows.length, 0);

/** `entries` split into two columns, as even in height as their order allows. */
function balanced(entries: Entry[]): Entry[][] {
  const total = height(entries);
  let best = 0;
  let bestTaller = total;
  let first = 0;
  entries.forEach((entry, i) => {
    first += entry.rows.length;
    const taller = Math.max(first, total - first);
    if (taller < bestTaller) [best, bestTaller] = [i + 1, taller];
  });
  return [entries.slice(0, best), entries.slice(best)];
}

/** Every command with its whole description in `columns` columns, or null when that is taller than `rows`. */
function wrappedPlan(commands: Command[], width: number, rows: number, columns: 1 | 2): Plan | null {
  const columnWidth = Math.floor(width / columns);
  const keyWidth = KEY_WIDTH;
  const long = commands.filter((c) => keysOf(c).length >= keyWidth).map((c) => wrapped(c, keysOf(c).length + 2, width));
  const short = commands.filter((c) => keysOf(c).length < keyWidth).map((c) => wrapped(c, keyWidth, columnWidth - GAP));
  const split = columns === 2 ? balanced(short) : [short];
  if (height(long) + Math.max(...split.map(height)) > rows) return null;
  return { long, columns: split, columnWidth, dropped: 0, cut: false };
}

/** One row per command, in two columns when wide enough; what does not fit is cut or left out. */
function cutPlan(commands: Command[], width: number, rows: number): Plan {
  const columns = commands.length > rows && width >= TWO_COLUMNS ? 2 : 1;
  const columnWidth = Math.floor(width / columns);
  const keyWidth = KEY_WIDTH;
  const long = commands.filter((c) => keysOf(c).length >= keyWidth).slice(0, rows);
  const short = commands.filter((c) => keysOf(c).length < keyWidth);
  const perColumn = Math.max(0, Math.min(rows - long.length, Math.ceil(short.length / columns)));
  const shown = short.slice(0, perColumn * columns).map((c) => oneRow(c, keyWidth));
  const fits = (e: Entry, room: number) => e.keyWidth + displayWidth(e.rows[0].help + e.rows[0].where) <= room;
  const longEntries = long.map((c) => oneRow(c, keysOf(c).length + 2));
  return {
    long: longEntries,
    columns: Array.from({ length: columns }, (_, c) => shown.slice(c * perColumn, (c + 1) * perColumn)),
    columnWidth,
    dropped: short.length - shown.length,
    cut: !longEntries.every((e) => fits(e, width)) || !shown.every((e) => fits(e, columnWidth - GAP)),
  };
}

function EntryRows({ entry }: { entry: Entry }) {
  return (
    <>
      {entry.rows.map((row, i) => (
        <Text key={i} wrap="truncate-end">
          <Text color="cyan">{(i === 0 ? keysOf(entry.command) : '').padEnd(entry.keyWidth)}</Text>
          {row.help}
          <Text dimColor>{row.where}</Text>
        </Text>
      ))}
    </>
  );
}

export function HelpOverlay({ width, height: boxHeight }: { width: number; height: number }) {
  const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);
  const rows = Math.max(1, boxHeight - 3);
  const inner = width - 4;
  const plan =
    wrappedPlan(commands, inner, rows, 1) ?? (inner >= TWO_COLUMNS ? wrappedPlan(commands, inner, rows, 2) : null) ?? cutPlan(commands, inner, rows);
  const note = plan.dropped > 0 ? '; a taller terminal shows them all' : plan.cut ? '; more room shows them whole' : '';
  return (
    <Box flexDirection="column" width={width} height={boxHeight} borderStyle="double" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        Keys <Text dimColor>(Esc or ? closes{note})</Text>
      </Text>
      {plan.long.map((entry) => (
        <EntryRows key={entry.command} entry={entry} />
      ))}
      <Box>
        {plan.columns.map((column, c) => (
          <Box key={c} flexDirection="column" width={plan.columnWidth} paddingRight={GAP}>
            {column.map((entry) => (
              <EntryRows key={entry.command} entry={entry} />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
