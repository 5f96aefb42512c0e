// Generated visitor names: an adjective and an animal, in the project's language. The Russian
// list uses masculine nouns only, so every adjective agrees with every animal.
import { randomInt } from 'node:crypto';

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

export function generateVisitorName(language: string): string {
  const list = NAMES[(language in NAMES ? language : 'en') as NameLanguage];
  return `${list.adjectives[randomInt(list.adjectives.length)]} ${list.animals[randomInt(list.animals.length)]}`;
}
