// The tables commands print for people, measured and drawn as the TUI draws text
// (core/text-layout.ts, string-width), so that a row lines up in every terminal. Commands load
// this module when they print one (`await import('../../tables.js')`): string-width builds its
// emoji tables as it loads, which takes longer than loading the rest of the CLI, and most
// commands print no table.
import type { DialogList, DialogSearch, Group, Member, Project, SearchMatch } from '../core/protocol/index.js';
import { personName } from '../core/person.js';
import { terminalSafe } from '../core/terminal-text.js';
import { displayWidth, oneLine, truncateEnd } from '../core/text-layout.js';
import { memberList } from './commands/group/common.js';
import { filesInShort, type ProjectClock, roleOf } from './present.js';

/**
 * A cell as the TUI draws text (core/text-layout.ts): on one line, without the characters that
 * terminals draw at different widths (❤️ is one column in tmux 3.3a, two in most others; drawn as
 * ❤ it is one everywhere), and with what could act on the terminal already made inert, so
 * that the width measured is the width print() writes.
 */
const drawn = (cell: string | number | null | undefined) => terminalSafe(oneLine(cell === null || cell === undefined ? '' : String(cell)));

/**
 * `text` on one line in at most `max` columns as a cell draws it, its end replaced by "…" when it
 * is wider: measured and cut as the table measures (string-width, by grapheme cluster), so that a
 * cut never splits what the reader sees as one character (👨‍👩‍👧, 🇩🇪, ❤️, é) nor makes a row wider
 * than counted.
 */
export const truncate = (text: string, max: number): string => truncateEnd(drawn(text).trim(), max);

/** Columns padded to the widest cell, measured as the TUI measures (string-width); the last column is not padded. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows].map((r) => r.map(drawn));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i] ?? ''))));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - displayWidth(c))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function membersTable(members: Member[]): string {
  if (members.length === 0) return 'No members.';
  return table(
    ['EMAIL', 'NAME', 'ROLE'],
    members.map((m) => [m.email, personName(m.firstName, m.lastName), roleOf(m)]),
  );
}

export function projectsTable(projects: Project[], defaultId?: number): string {
  if (projects.length === 0) return 'No projects.';
  return table(
    ['', 'ID', 'NAME', 'ROLE', 'WIDGET KEY'],
    projects.map((p) => [p.id === defaultId ? '*' : '', p.id, p.name, roleOf(p), p.widgetKey]),
  );
}

export function groupsTable(groups: Group[]): string {
  if (groups.length === 0) {
    return 'No groups: every open unassigned dialog is in every operator\'s Mine.\nCreate one: parley group create NAME';
  }
  return table(
    ['GROUP', 'ONLINE', 'OPERATORS'],
    groups.map((g) => [g.name, `${g.members.filter((m) => m.online).length}/${g.members.length}`, memberList(g)]),
  );
}

// ---- dialogs ---------------------------------------------------------------------

/**
 * A page of `dialogs list`. The "More:" line is the command for the next page as it can be
 * pasted: with the project's id and the --limit given, so it lists the same project whatever
 * project is the default where it runs, a page of the same size. A last message of files alone
 * shows its files (the list names them), and times are on the project's clock.
 */
export function dialogsTable(list: DialogList, page: { projectId: number; limit?: number }, clock: ProjectClock): string {
  const { counts } = list;
  const head = `Mine ${counts.mine} · Shared ${counts.shared} · Archive ${counts.archive}`;
  if (list.dialogs.length === 0) return `${head}\nNo dialogs in ${list.view}.`;
  const rows = list.dialogs.map((d) => [
    d.id,
    d.visitor.realName ? `${d.visitor.name} (${d.visitor.realName})` : d.visitor.name,
    d.status,
    d.assignee?.name || '-',
    d.lastMessage ? truncate(`${d.lastMessage.author === 'visitor' ? '' : `${d.lastMessage.author}: `}${lastMessageText(d.lastMessage)}`, 40) : '-',
    clock.time(d.lastMessageAt),
  ]);
  const limit = page.limit === undefined ? '' : ` --limit ${page.limit}`;
  const more = list.next ? [`More: parley dialogs list -p ${page.projectId} --view ${list.view}${limit} --before ${list.next}`] : [];
  return [head, table(['ID', 'VISITOR', 'STATUS', 'ASSIGNEE', 'LAST MESSAGE', clock.heading('AT')], rows), ...more].join('\n');
}

/**
 * A last message's text, or its files when it has no text. `files` is missing only from a
 * server older than the field: the text alone then, as before.
 */
function lastMessageText(last: NonNullable<DialogList['dialogs'][number]['lastMessage']>): string {
  return !last.body.trim() && last.files?.length ? filesInShort(last.files) : last.body;
}

const MATCH_LABEL: Record<SearchMatch['field'], string> = {
  name: 'name',
  realName: 'real name',
  email: 'email',
  phone: 'phone',
  notes: 'notes',
  message: 'message',
  privateNote: 'private note',
};

/** `parley dialogs search`: where each dialog matched, newest activity first. */
export function searchTable(found: DialogSearch, clock: ProjectClock): string {
  if (found.results.length === 0) return `No dialog matches "${found.query}".`;
  const rows = found.results.map(({ dialog: d, match }) => [
    d.id,
    d.visitor.realName ? `${d.visitor.name} (${d.visitor.realName})` : d.visitor.name,
    d.view ?? '-',
    truncate(`${MATCH_LABEL[match.field] ?? match.field}: ${match.text}`, 92),
    clock.time(d.lastMessageAt),
  ]);
  const more = found.more ? [`More dialogs match: narrow the search or raise --limit (up to 100).`] : [];
  return [table(['ID', 'VISITOR', 'VIEW', 'MATCHED', clock.heading('AT')], rows), ...more].join('\n');
}
