// Finding a dialog by what an operator remembers of it: the visitor's name (generated or real),
// email, phone or notes from the client card, or words from the conversation. Case does not
// matter (in any script: "анна" finds "Анна"), and a phone number matches by its digits
// ("+46 70 123" finds "+46701234567").
//
// The dialogs and messages are read a page at a time, newest first, with the event loop free
// between pages: a search that matches nothing reads the whole project, and the chats must not
// wait for it. Reading stops once enough dialogs are found.
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

/**
 * The dialogs of a project that match `query`, up to `limit + 1` (the extra one says there are
 * more): by the visitor's card first, then by messages, newest first.
 */
export async function findDialogs(repo: DialogsRepo, projectId: number, query: string, limit: number): Promise<Map<number, SearchMatch>> {
  const needle = fold(query.trim());
  // A query that is a phone number (3+ digits and phone punctuation) also matches by digits.
  const phone = /^[\d\s()+.-]+$/.test(needle) && digitsOf(needle).length >= 3 ? digitsOf(needle) : null;
  const found = new Map<number, SearchMatch>();
  const want = limit + 1;

  let before: { at: number; id: number } | null = null;
  for (;;) {
    const rows = await repo.searchVisitors(projectId, before, SEARCH_PAGE);
    for (const v of rows) {
      const fields: Array<[SearchMatch['field'], string | null]> = [
        ['name', v.name],
        ['realName', v.real_name],
        ['email', v.email],
        ['phone', v.phone],
        ['notes', v.notes],
      ];
      for (const [field, value] of fields) {
        if (!value) continue;
        const hit = fold(value).includes(needle) || (field === 'phone' && phone !== null && digitsOf(value).includes(phone));
        if (hit) {
          found.set(v.id, { field, text: field === 'notes' ? snippet(value, fold(value).indexOf(needle), needle.length) : value });
          break;
        }
      }
    }
    if (found.size >= want || rows.length < SEARCH_PAGE) break;
    const last = rows[rows.length - 1];
    before = { at: last.last_message_at, id: last.id };
    await yieldToLoop();
  }

  // Messages: another `want` dialogs at most (those found by the card keep that match).
  let fromMessages = 0;
  let beforeId = Number.MAX_SAFE_INTEGER;
  for (;;) {
    await yieldToLoop();
    const rows = await repo.searchMessages(projectId, beforeId, SEARCH_PAGE);
    for (const m of rows) {
      if (found.has(m.dialog_id)) continue;
      const at = fold(m.body).indexOf(needle);
      if (at < 0) continue;
      found.set(m.dialog_id, { field: 'message', text: snippet(m.body, at, needle.length) });
      if (++fromMessages >= want) break;
    }
    if (fromMessages >= want || rows.length < SEARCH_PAGE) break;
    beforeId = rows[rows.length - 1].id;
  }
  return found;
}
