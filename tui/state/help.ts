// The `?` window: every command of the keymap with its keys, what it does and where it works, in
// the README's words (the keymap holds them). It uses the room it has: one column when every
// entry fits the height, else two when the width allows, descriptions too long for their column
// wrapped onto the rows below. When neither fits (80x24, say) it is one column that scrolls
// (↑/↓, PgUp/PgDn, Home/End): a description is never cut. Keys too wide to leave a description
// its room beside them (Send's three below about 50 columns; every key at 30) take a row of their
// own, the description indented under them.
import { displayWidth, wrapRows } from '../../core/text-layout.js';
import { type Command, KEYMAP, keysOf } from '../input/keybindings.js';

/** Columns inside the border that two columns need (a 70-column terminal). */
const TWO_COLUMNS = 66;
/** Blank columns at the right of the left one of two columns, so that the next one does not run on from it. */
export const HELP_GAP = 2;
/** The width of the keys' column; keys that do not fit it (Send's three) take the width they need. */
const KEY_WIDTH = 13;
/** Columns a description needs beside its keys; with fewer it goes under them, indented by DESCRIPTION_INDENT. */
const DESCRIPTION_ROOM = 16;
const DESCRIPTION_INDENT = 2;

const WHERE = {
  everywhere: '',
  composer: 'in the composer',
  panes: 'outside the composer',
  dialog: 'on a dialog',
  messages: 'on a message',
};

/** One row of an entry in a column `width` wide: the keys (on its first row), the help text and the dim "(where)" on its last. */
export interface HelpCell {
  keys: string;
  keyWidth: number;
  help: string;
  where: string;
  width: number;
}

/** The window's rows (one cell each, two side by side in two columns) and how many show at once. */
export interface HelpLayout {
  rows: HelpCell[][];
  page: number;
}

const whereOf = (command: Command) => {
  const where = WHERE[KEYMAP[command].where];
  return where ? ` (${where})` : '';
};

/**
 * The rows of `command` in a column `width` wide: its keys, its description wrapped at spaces and
 * "(where)" below when it does not fit beside. The description goes beside the keys when it has
 * DESCRIPTION_ROOM columns there, else under them (the keys broken between keys if need be).
 */
function entry(command: Command, width: number, keyWidth: number, gap: number): HelpCell[] {
  const keys = keysOf(command);
  const beside = width - gap - keyWidth >= DESCRIPTION_ROOM;
  const indent = beside ? keyWidth : DESCRIPTION_INDENT;
  const room = Math.max(1, width - gap - indent);
  const cell = (help: string, where = ''): HelpCell => ({ keys: '', keyWidth: indent, help, where, width });
  const keyRows: HelpCell[] = beside ? [] : wrapRows(keys, Math.max(1, width - gap)).map((k) => ({ keys: k, keyWidth: 0, help: '', where: '', width }));
  const cells = wrapRows(KEYMAP[command].help, room).map((help) => cell(help));
  if (beside) cells[0].keys = keys;
  const where = whereOf(command);
  const last = cells[cells.length - 1];
  if (!where || displayWidth(last.help + where) <= room) last.where = where;
  else cells.push(...wrapRows(where.trimStart(), room).map((w) => cell('', w)));
  return [...keyRows, ...cells];
}

const keyWidthOf = (command: Command) => Math.max(KEY_WIDTH, displayWidth(keysOf(command)) + 2);

/** The commands in one column `width` wide, each as wide as its keys need. */
const oneColumn = (commands: Command[], width: number) => commands.flatMap((c) => entry(c, width, keyWidthOf(c), 0).map((cell) => [cell]));

/**
 * Two columns: commands whose keys are too wide for a column get a row of their own above them;
 * the others split where the two columns come out most even in height.
 */
function twoColumns(commands: Command[], width: number): HelpCell[][] {
  const half = Math.floor(width / 2);
  const long = commands.filter((c) => keyWidthOf(c) > KEY_WIDTH);
  const short = commands.filter((c) => keyWidthOf(c) === KEY_WIDTH).map((c) => entry(c, half, KEY_WIDTH, HELP_GAP));
  const total = short.reduce((n, e) => n + e.length, 0);
  let split = 0;
  let best = total;
  let first = 0;
  short.forEach((e, i) => {
    first += e.length;
    const taller = Math.max(first, total - first);
    if (taller < best) [split, best] = [i + 1, taller];
  });
  const [left, right] = [short.slice(0, split).flat(), short.slice(split).flat()];
  const blank: HelpCell = { keys: '', keyWidth: KEY_WIDTH, help: '', where: '', width: half };
  const columns = Array.from({ length: Math.max(left.length, right.length) }, (_, i) => [left[i] ?? blank, right[i] ?? blank]);
  return [...oneColumn(long, width), ...columns];
}

/** The help window's layout in a window `width` x `height` (its border and title included). */
export function helpLayout(width: number, height: number): HelpLayout {
  const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);
  const inner = Math.max(1, width - 4);
  const page = Math.max(1, height - 3);
  const single = oneColumn(commands, inner);
  if (single.length <= page || inner < TWO_COLUMNS) return { rows: single, page };
  const double = twoColumns(commands, inner);
  return { rows: double.length <= page ? double : single, page };
}

/** The first row in view while the window scrolls. */
export interface HelpState {
  top: number;
}

export type HelpAction =
  | { type: 'open' }
  /** `last`: the highest `top` that still fills the window (the router knows the layout). */
  | { type: 'scroll'; by: number; last: number };

export const emptyHelp: HelpState = { top: 0 };

export function reduceHelp(state: HelpState, action: HelpAction): HelpState {
  switch (action.type) {
    case 'open':
      return state.top === 0 ? state : emptyHelp;
    case 'scroll': {
      const top = Math.max(0, Math.min(state.top + action.by, action.last));
      return top === state.top ? state : { top };
    }
  }
}
