// The `?` window: every command of the keymap with its keys, what it does and where it works, in
// the README's words (the keymap holds them). It uses the room it has: one column when every
// entry fits the height, else two when the width allows, descriptions too long for their column
// wrapped onto the rows below. When neither fits (80x24, say) it is one column that scrolls
// (↑/↓, PgUp/PgDn, Home/End): a description is never cut.
import { displayWidth, wrapRows } from '../../core/text-layout.js';
import { type Command, KEYMAP, keysOf } from '../input/keybindings.js';

/** Columns inside the border that two columns need (a 70-column terminal). */
const TWO_COLUMNS = 66;
/** Blank columns at the right of a column, so that the next one does not run on from it. */
export const HELP_GAP = 2;
/** The width of the keys' column; keys that do not fit it (Send's three) take the width they need. */
const KEY_WIDTH = 13;

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

/** The rows of `command` in a column `width` wide: its description wrapped at spaces, "(where)" below when it does not fit beside. */
function entry(command: Command, width: number, keyWidth: number): HelpCell[] {
  const keys = keysOf(command);
  const room = Math.max(1, width - HELP_GAP - keyWidth);
  const cells: HelpCell[] = wrapRows(KEYMAP[command].help, room).map((help, i) => ({ keys: i === 0 ? keys : '', keyWidth, help, where: '', width }));
  const where = whereOf(command);
  const last = cells[cells.length - 1];
  if (!where || displayWidth(last.help + where) <= room) last.where = where;
  else cells.push(...wrapRows(where.trimStart(), room).map((w) => ({ keys: '', keyWidth, help: '', where: w, width })));
  return cells;
}

const keyWidthOf = (command: Command) => Math.max(KEY_WIDTH, displayWidth(keysOf(command)) + 2);

/** The commands in one column `width` wide, each as wide as its keys need. */
const oneColumn = (commands: Command[], width: number) => commands.flatMap((c) => entry(c, width, keyWidthOf(c)).map((cell) => [cell]));

/**
 * Two columns: commands whose keys are too wide for a column get a row of their own above them;
 * the others split where the two columns come out most even in height.
 */
function twoColumns(commands: Command[], width: number): HelpCell[][] {
  const half = Math.floor(width / 2);
  const long = commands.filter((c) => keyWidthOf(c) > KEY_WIDTH);
  const short = commands.filter((c) => keyWidthOf(c) === KEY_WIDTH).map((c) => entry(c, half, KEY_WIDTH));
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
