// The TUI's client card marks a value the site gave (the widget's identify) with a dim "(from
// site)": the site's word, unverified, where a value without it was typed by an operator. On a
// narrow card the mark is shortened to "(site)", then goes on the row under the value: the value
// is never cut for it. An operator's edit of the field (`i`) makes it theirs: the mark goes once
// the server answers.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKSPACE, DOWN, ENTER, ESC, press, waitForFrame } from '../helpers/ink.js';
import { liveShop } from '../helpers/live-shop.js';
import type { Peer } from '../helpers/realtime.js';

const ORIGIN = 'https://shop.example.com';

const shop = liveShop(ORIGIN);
const visitor = () => shop.visitorWrites('About my order');

/** The site identifies the visitor; the server must take it. */
async function identify(peer: Peer, fields: Record<string, string>) {
  const ref = randomUUID();
  peer.send({ type: 'identify', ref, ...fields });
  expect(await peer.next((f) => (f.type === 'identified' || f.type === 'error') && f.ref === ref)).toMatchObject({ type: 'identified' });
}

/** The client card's rows (the card is the right-hand pane), trimmed. */
const cardRows = (frame: string) => frame.split('\n').map((row) => row.split('│').at(-2)?.trim() ?? '');
/** The card's row that starts with `label`; undefined when none. */
const cardRow = (frame: string, label: string) => cardRows(frame).find((text) => text.startsWith(`${label}:`));

const startApp = (columns: number) => shop.startApp({ columns, rows: 32 });

describe('the client card', () => {
  it('marks the values the site gives as they arrive, not the operator’s; editing one with i makes it the operator’s', async () => {
    const v = await visitor();
    await shop.oli.updateCard(shop.project.id, v.dialogId, { phone: '+47 555 0100' });
    // 160 columns: a card 34 columns inside, room for the whole mark.
    const { app } = await startApp(160);
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => cardRow(f, 'Phone') === 'Phone: +47 555 0100', 'the card of the open dialog');

    await identify(v.peer, { realName: 'Ann Lee', email: 'ann@example.com', phone: '+1 555 0199' });
    let frame = await waitForFrame(app, (f) => cardRow(f, 'Email')?.startsWith('Email: ann@example.com') ?? false, 'the site’s values on the card');
    expect(cardRow(frame, 'Name')).toBe('Name: Ann Lee (from site)');
    expect(cardRow(frame, 'Email')).toBe('Email: ann@example.com (from site)');
    // The operator's phone stays theirs, unmarked.
    expect(cardRow(frame, 'Phone')).toBe('Phone: +47 555 0100');
    expect(cardRow(frame, 'Notes')).toBe('Notes: —');

    // The operator corrects the email in the card's form.
    await press(app, ESC, 'i');
    await waitForFrame(app, (f) => f.includes('Client card of Ann Lee'), 'the card form');
    await press(app, DOWN, DOWN, BACKSPACE, BACKSPACE, BACKSPACE, 'org', ENTER);
    frame = await waitForFrame(app, (f) => f.includes('client card saved'), 'saved');
    expect(cardRow(frame, 'Email')).toBe('Email: ann@example.org');
    expect(cardRow(frame, 'Name')).toBe('Name: Ann Lee (from site)');
    expect((await shop.oli.getDialog(shop.project.id, v.dialogId)).visitor.card.fromSite).toEqual(['realName']);
  });

  it('on a narrow card shortens the mark, then puts it on the row under the value, rather than cutting the value', async () => {
    const v = await visitor();
    await identify(v.peer, { realName: 'Ann Lee', email: 'ann@example.com' });
    // 120 columns: a card 24 columns inside.
    const { app } = await startApp(120);
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => cardRow(f, 'Email') !== undefined, 'the card of the open dialog');
    expect(cardRow(frame, 'Name')).toBe('Name: Ann Lee (site)');
    // No room beside the address: the mark on the row under it, the address whole.
    const rows = cardRows(frame);
    const email = rows.indexOf('Email: ann@example.com');
    expect(email).toBeGreaterThan(-1);
    expect(rows[email + 1]).toBe('(from site)');
  });
});
