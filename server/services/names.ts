// Generated visitor names: an adjective and an animal, in the visitor's or the project's
// language. The Russian list uses masculine nouns only, so every adjective agrees with every
// animal.

const NAMES = {
  en: {
    adjectives: [
      'Amber', 'Brave', 'Bright', 'Calm', 'Clever', 'Cosy', 'Curious', 'Daring', 'Eager', 'Gentle', 'Glad',
      'Golden', 'Happy', 'Honest', 'Jolly', 'Kind', 'Lively', 'Lucky', 'Merry', 'Mighty', 'Nimble', 'Patient',
      'Polite', 'Quick', 'Quiet', 'Silver', 'Sunny', 'Swift', 'Witty', 'Zesty',
    ],
    animals: [
      'Badger', 'Beaver', 'Bison', 'Crane', 'Dolphin', 'Falcon', 'Ferret', 'Fox', 'Gecko', 'Hedgehog', 'Heron',
      'Ibex', 'Koala', 'Lynx', 'Marten', 'Meerkat', 'Moose', 'Otter', 'Owl', 'Panda', 'Pelican', 'Puffin',
      'Rabbit', 'Raccoon', 'Seal', 'Sparrow', 'Stork', 'Swan', 'Walrus', 'Wombat',
    ],
  },
  ru: {
    adjectives: [
      'Бодрый', 'Весёлый', 'Внимательный', 'Добрый', 'Дружный', 'Задорный', 'Звонкий', 'Золотой', 'Любопытный',
      'Ловкий', 'Мудрый', 'Находчивый', 'Отважный', 'Проворный', 'Радостный', 'Ясный', 'Серебряный', 'Смелый',
      'Солнечный', 'Спокойный', 'Терпеливый', 'Тихий', 'Улыбчивый', 'Умный', 'Учтивый', 'Храбрый', 'Честный',
      'Шустрый', 'Щедрый', 'Яркий',
    ],
    animals: [
      'Барсук', 'Бобр', 'Волк', 'Воробей', 'Дельфин', 'Ёж', 'Енот', 'Журавль', 'Заяц', 'Зубр', 'Кит', 'Коала',
      'Кот', 'Лебедь', 'Лис', 'Лось', 'Медведь', 'Морж', 'Пеликан', 'Песец', 'Пингвин', 'Бурундук', 'Сокол', 'Соболь',
      'Суслик', 'Тигр', 'Тюлень', 'Филин', 'Хорёк', 'Ястреб',
    ],
  },
} as const;

export type NameLanguage = keyof typeof NAMES;

/**
 * The name that goes with a visitor token (its SHA-256, in hex): the same token always gets the
 * same name, so every tab of a visitor shows it before the visitor is stored (at the first
 * message), and the stored one is the name the widget showed.
 */
export function visitorNameOf(tokenHash: string, language: string): string {
  const list = NAMES[(language in NAMES ? language : 'en') as NameLanguage];
  const pick = (from: number, words: readonly string[]) => words[Number.parseInt(tokenHash.slice(from, from + 8), 16) % words.length];
  return `${pick(0, list.adjectives)} ${pick(8, list.animals)}`;
}
