// Generated visitor names: 31 × 31 words gave 961 names, and two of 20 dialogs in QA shared one.
// Now about 125 × 125 in each language, only words no customer could take amiss, Russian ones
// agreeing in gender; and a new visitor is not given a name an open dialog of the project has.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { VISITOR_NAME_WORDS, visitorNameCandidates, visitorNameOf } from '../../server/services/names.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const newToken = () => `pvt_${randomBytes(32).toString('base64url')}`;

describe('the words', () => {
  it('are over 100 of each kind in each language, each once, one capitalised word; a name fits 16 columns (21 in Russian)', () => {
    for (const [language, lists] of Object.entries(VISITOR_NAME_WORDS)) {
      for (const [kind, words] of Object.entries(lists) as Array<[string, readonly string[]]>) {
        expect(words.length, `${language} ${kind}`).toBeGreaterThanOrEqual(100);
        expect(new Set(words).size, `${language} ${kind}`).toBe(words.length);
        for (const word of words) expect(word, `${language} ${kind}`).toMatch(language === 'ru' ? /^[А-ЯЁ][а-яё]+$/ : /^[A-Z][a-z]+$/);
      }
      const longest = (words: readonly string[]) => Math.max(...words.map((w) => w.length));
      expect(longest(lists.adjectives) + 1 + longest(lists.animals), language).toBeLessThanOrEqual(language === 'ru' ? 21 : 16);
    }
  });

  it('in Russian: masculine adjectives, and nouns an adjective in the masculine agrees with', () => {
    const { adjectives, animals } = VISITOR_NAME_WORDS.ru;
    for (const adjective of adjectives) expect(adjective).toMatch(/(ый|ий|ой)$/);
    // Nouns in -а/-я are feminine or of either gender (панда, коала): none.
    for (const animal of animals) expect(animal).not.toMatch(/[ая]$/);
    // In -ь, only those known to be masculine (рысь and лань are not).
    expect(animals.filter((a) => a.endsWith('ь')).sort()).toEqual(
      ['Аксолотль', 'Голубь', 'Журавль', 'Лебедь', 'Лосось', 'Лось', 'Лунь', 'Медведь', 'Поползень', 'Снегирь', 'Соболь', 'Шмель'].sort(),
    );
  });

  it('hold nothing a customer could take amiss', () => {
    // Insults, slang and euphemisms (Russian "песец" stands for a swear word; "олень", "дятел",
    // "баклан" are insults), and words about looks, age, weight or wits.
    const never = [
      'Ass', 'Beaver', 'Booby', 'Chicken', 'Cock', 'Cougar', 'Cow', 'Donkey', 'Goose', 'Hog', 'Pig', 'Rat', 'Sloth', 'Snake',
      'Tit', 'Toad', 'Turkey', 'Vulture', 'Weasel', 'Worm', 'Bald', 'Chubby', 'Fat', 'Old', 'Slow', 'Sly', 'Dumb', 'Lazy', 'Ugly',
      'Black', 'White', 'Yellow', 'Red', 'Brown', 'Gay', 'Hot', 'Naughty', 'Frisky', 'Foxy',
      'Песец', 'Олень', 'Козёл', 'Баран', 'Осёл', 'Петух', 'Дятел', 'Баклан', 'Тупик', 'Индюк', 'Кабан', 'Боров', 'Хорёк',
      'Тюлень', 'Мамонт', 'Червяк', 'Таракан', 'Голубой', 'Толстый', 'Жирный', 'Старый', 'Тупой', 'Хитрый', 'Пушистый',
    ];
    const all = Object.values(VISITOR_NAME_WORDS).flatMap((lists) => [...lists.adjectives, ...lists.animals]);
    expect(all.filter((word) => never.includes(word))).toEqual([]);
  });
});

describe('a name for a token', () => {
  it('is the same for the same token, its first one unless that is taken', () => {
    const hash = sha256(newToken());
    const names = visitorNameCandidates(hash, 'en');
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(visitorNameOf(hash, 'en')).toBe(names[0]);
    expect(visitorNameOf(hash, 'en', new Set([names[0]]))).toBe(names[1]);
    expect(visitorNameOf(hash, 'en', new Set(names))).toBe(names[0]);
    expect(visitorNameOf(hash, 'ru')).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/);
  });

  it('spreads 20 visitors over 20 names nearly always (2 of 20 shared one among 961)', () => {
    // The chance that 20 names drawn from N share one is about 190/N: 20 % for 961.
    const total = VISITOR_NAME_WORDS.en.adjectives.length * VISITOR_NAME_WORDS.en.animals.length;
    expect(total).toBeGreaterThanOrEqual(11_000);
    expect(190 / total).toBeLessThan(0.02);
  });
});

describe('a new visitor', () => {
  let server: TestServer;
  let admin: ParleyClient;
  let project: { id: number; widgetKey: string };
  const peers: Peer[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    ({ client: admin } = await signedInAdmin(server));
    const p = await admin.createProject('Shop');
    await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
    // Who closes the dialog below.
    await admin.updateMember(p.id, 'root@example.com', { operator: true });
    project = { id: p.id, widgetKey: p.widgetKey };
  });
  afterAll(async () => {
    for (const peer of peers) await peer.close();
    await server?.close();
  });

  async function hello(token: string) {
    const h = await visitorHello(server.url, project.widgetKey, ORIGIN, { token });
    peers.push(h.peer);
    expect(h.welcome.token).toBe(token);
    return h;
  }

  /** A token (of the widget's form) whose first name is `name`. */
  function tokenNamed(name: string): string {
    for (;;) {
      const token = newToken();
      if (visitorNameCandidates(sha256(token), 'en')[0] === name) return token;
    }
  }

  it('is not given the name of an open dialog of the project; once it is closed, the name is free again', async () => {
    const first = await hello(newToken());
    const name = first.welcome.visitor.name as string;
    first.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Hello?' });
    await first.peer.next((f) => f.type === 'message.stored');

    const second = tokenNamed(name);
    const other = await hello(second);
    expect(other.welcome.visitor.name).not.toBe(name);
    expect(other.welcome.visitor.name).toBe(visitorNameOf(sha256(second), 'en', new Set([name])));
    // The name stays the token's when it writes (stored as the widget showed it).
    other.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Me too' });
    await other.peer.next((f) => f.type === 'message.stored');
    const { dialogs } = await admin.listDialogs(project.id);
    expect(dialogs.map((d) => d.visitor.name).sort()).toEqual([name, other.welcome.visitor.name].sort());

    const firstDialog = dialogs.find((d) => d.visitor.name === name)!;
    await admin.closeDialog(project.id, firstDialog.id);
    expect((await hello(tokenNamed(name))).welcome.visitor.name).toBe(name);
  });
});
