// Finding a dialog by what an operator remembers of it: the visitor's name (generated or real),
// email, phone or notes from the client card, or words from the conversation. Case does not
// matter (in any script: "анна" finds "Анна"), and a phone number matches by its digits
// ("+46 70 123" finds "+46701234567").
//
// The dialogs are read newest activity first, each by its card and then its messages, with the
// event loop let go after every page's worth of rows: a search that matches nothing reads the
// whole project, and the chats must not wait for it. Reading stops once enough dialogs are found.
import type { SearchMatch } from '../../core/protocol/index.js';
import type { DialogsRepo } from '../db/dialogs.js';

/** Rows read per page: a few milliseconds of the event loop each. */
export const SEARCH_PAGE = 2000;
/** Characters of a message shown around what matched. */
const SNIPPET = 80;

const fold = (text: string) => text.normalize('NFKC').toLowerCase();
const digitsOf = (text: string) => text.replace(/\D/g, '');

/** A message's text around the match, on one line, with … where it was cut. */
function snippet(body: string, at: number, length: number): string {
  const line = body.replace(/\s+/g, ' ');
  if (line.length <= SNIPPET) return line;
  const start = Math.max(0, Math.min(at - Math.floor((SNIPPET - length) / 2), line.length - SNIPPET));
  return `${start > 0 ? '…' : ''}${line.slice(start, start + SNIPPET).trim()}${start + SNIPPET < line.length ? '…' : ''}`;
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** What a query is, folded once. */
interface Needle {
  text: string;
  /** The digits of a query that is a phone number (3+ digits and phone punctuation). */
  phone: string | null;
}

type CardRow = Awaited<ReturnType<DialogsRepo['searchVisitors']>>[number];

/** The first field of the visitor's card that matches, as shown. */
function cardMatch(v: CardRow, needle: Needle): SearchMatch | null {
  const fields: Array<[SearchMatch['field'], string | null]> = [
    ['name', v.name],
    ['realName', v.real_name],
    ['email', v.email],
    ['phone', v.phone],
    ['notes', v.notes],
  ];
  for (const [field, value] of fields) {
    if (!value) continue;
    const folded = fold(value);
    if (folded.includes(needle.text) || (field === 'phone' && needle.phone !== null && digitsOf(value).includes(needle.phone))) {
      return { field, text: field === 'notes' ? snippet(value, folded.indexOf(needle.text), needle.text.length) : value };
    }
  }
  return null;
}

/** What reading costs, in rows: a query counts as this many besides the rows it returns. */
const QUERY_COST = 10;

/**
 * The dialogs of a project that match `query`, up to `limit + 1` (the extra one says there are
 * more), newest activity first: the dialogs are read in that order, each by the visitor's card
 * and then by its messages (newest first, the newest match shown), and reading stops once enough
 * are found. So a limit cuts exactly where the caller's order does.
 */
export async function findDialogs(repo: DialogsRepo, projectId: number, query: string, limit: number): Promise<Map<number, SearchMatch>> {
  const text = fold(query.trim());
  const needle: Needle = { text, phone: /^[\d\s()+.-]+$/.test(text) && digitsOf(text).length >= 3 ? digitsOf(text) : null };
  const found = new Map<number, SearchMatch>();
  const want = limit + 1;
  // The event loop is let go after about a page's worth of reading.
  let read = 0;
  const readSome = async (rows: number) => {
    read += rows + QUERY_COST;
    if (read < SEARCH_PAGE) return;
    read = 0;
    await yieldToLoop();
  };

  let before: { at: number; id: number } | null = null;
  for (;;) {
    const dialogs = await repo.searchVisitors(projectId, before, SEARCH_PAGE);
    await readSome(dialogs.length);
    for (const d of dialogs) {
      let match = cardMatch(d, needle);
      for (let beforeSeq = Number.MAX_SAFE_INTEGER; !match; ) {
        const rows = await repo.searchMessages(d.id, beforeSeq, SEARCH_PAGE);
        for (const m of rows) {
          const at = fold(m.body).indexOf(needle.text);
          if (at >= 0) {
            match = { field: m.private ? 'privateNote' : 'message', text: snippet(m.body, at, needle.text.length) };
            break;
          }
        }
        await readSome(rows.length);
        if (rows.length < SEARCH_PAGE) break;
        beforeSeq = rows[rows.length - 1].seq;
      }
      if (!match) continue;
      found.set(d.id, match);
      if (found.size >= want) return found;
    }
    if (dialogs.length < SEARCH_PAGE) return found;
    const last = dialogs[dialogs.length - 1];
    before = { at: last.last_message_at, id: last.id };
  }
}
