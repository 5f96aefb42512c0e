// A known lead journal for the leads tests: four visitors over three days of a project in
// Europe/Berlin (UTC+1 in January), written through the real widget socket and operator API on
// a server with a manual clock, so every time and total below is exact.
//
//   #  created (UTC)       came from                                  answered by, after   class
//   1  2026-01-05 09:00    utm_source=google (landing page)           ann, 60 s            target
//   2  2026-01-05 09:10    referrer news.example.org                  bob, 120 s           spam
//   3  2026-01-06 12:00    referrer on the shop itself (direct)       ann, 300 s, closed   target
//   4  2026-01-06 23:30    nothing (direct); 00:30 on the 7th in Berlin   -                -
//
// Visitor 1's client card holds what a spreadsheet must not run: a formula, a phone starting
// with "+", and notes with quotes, a comma and a line break.
import { randomUUID } from 'node:crypto';
import type { ParleyClient } from '../../core/client/api.js';
import type { ManualClock } from '../../server/clock.js';
import { type Peer, visitorHello } from './realtime.js';

export const ORIGIN = 'https://shop.example.com';
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export const CARD_1 = {
  realName: '=HYPERLINK("http://evil.example/","click")',
  phone: '+1 555 0100',
  email: 'maria@example.com',
  notes: 'likes "red", size 42\nsecond line',
};

export interface Scenario {
  /** Dialog ids in the order of the table above. */
  dialogs: number[];
  /** The generated visitor names, same order. */
  visitors: string[];
}

async function visitorWrites(
  url: string,
  widgetKey: string,
  body: string,
  page: Record<string, string> | undefined,
  peers: Peer[],
): Promise<{ dialogId: number; name: string }> {
  const { peer, welcome } = await visitorHello(url, widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, ...(page ? { page } : {}) });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  // The widget learns its dialog on the next hello.
  const again = await visitorHello(url, widgetKey, ORIGIN, { token: welcome.token });
  peers.push(again.peer);
  return { dialogId: again.welcome.dialog.id, name: welcome.visitor.name };
}

/**
 * Writes the scenario into `projectId` (its timezone becomes Europe/Berlin and the origin is
 * allowed). `ann` and `bob` are operators of the project; `peers` collects sockets to close.
 */
export async function seedLeads(
  opts: { url: string; clock: ManualClock; admin: ParleyClient; ann: ParleyClient; bob: ParleyClient; projectId: number; widgetKey: string },
  peers: Peer[],
): Promise<Scenario> {
  const { url, clock, admin, ann, bob, projectId, widgetKey } = opts;
  await admin.updateProject(projectId, { timezone: 'Europe/Berlin', allowedOrigins: [ORIGIN] });
  const reply = (client: ParleyClient, dialogId: number, body: string) => client.sendMessage(projectId, dialogId, randomUUID(), body);

  clock.set(T0);
  const v1 = await visitorWrites(url, widgetKey, 'Do you have boots?', {
    url: `${ORIGIN}/shoes?utm_source=google&utm_medium=cpc&utm_campaign=winter`,
    title: 'Shoes',
    referrer: 'https://www.google.com/',
  }, peers);
  clock.set(T0 + 60_000);
  await reply(ann, v1.dialogId, 'We do!');
  await ann.updateCard(projectId, v1.dialogId, CARD_1);
  await ann.updateDialog(projectId, v1.dialogId, { leadClass: 'target' });

  clock.set(T0 + 10 * 60_000);
  const v2 = await visitorWrites(url, widgetKey, 'Cheap watches here!!!', {
    url: `${ORIGIN}/`,
    referrer: 'https://news.example.org/article?id=1',
  }, peers);
  clock.set(T0 + 12 * 60_000);
  await reply(bob, v2.dialogId, 'No, thanks.');
  await bob.setLeadClass(projectId, v2.dialogId, 'Spam');

  const day2 = Date.UTC(2026, 0, 6, 12, 0, 0);
  clock.set(day2);
  const v3 = await visitorWrites(url, widgetKey, 'Where is my order?', { url: `${ORIGIN}/cart`, referrer: `${ORIGIN}/shoes` }, peers);
  clock.set(day2 + 300_000);
  await reply(ann, v3.dialogId, 'On its way.');
  await ann.updateDialog(projectId, v3.dialogId, { leadClass: 'target' });
  await ann.closeDialog(projectId, v3.dialogId);

  clock.set(Date.UTC(2026, 0, 6, 23, 30, 0));
  const v4 = await visitorWrites(url, widgetKey, 'Hello? Anyone?', undefined, peers);

  clock.set(Date.UTC(2026, 0, 8, 10, 0, 0));
  return { dialogs: [v1, v2, v3, v4].map((v) => v.dialogId), visitors: [v1, v2, v3, v4].map((v) => v.name) };
}
