// Generated visitor names: an adjective and an animal, in the visitor's or the project's
// language. Over 100 × 100 of each (some 11,000 names or more), so that two visitors of a busy
// afternoon rarely share one, and short words (a name is at most 16 characters in English, which
// the TUI's dialog list keeps whole at 80 columns, and 21 in Russian, as before); and a name an open dialog of the project already has is passed over
// (services/dialogs.ts). Only words a customer could not take amiss: nothing about looks, age,
// weight or wits, no animal that is also an insult (in English or in Russian slang), no word
// with a second meaning best not shown to a stranger. The Russian animals are all masculine
// nouns, so every adjective (in the masculine) agrees with every animal.

const NAMES = {
  en: {
    adjectives: [
      'Agile', 'Amber', 'Amiable', 'Azure', 'Blithe', 'Bold', 'Brave', 'Breezy', 'Bright', 'Brisk', 'Buoyant',
      'Calm', 'Candid', 'Careful', 'Caring', 'Chipper', 'Clever', 'Cobalt', 'Coral', 'Cordial', 'Cosy',
      'Curious', 'Daring', 'Dashing', 'Devoted', 'Dynamic', 'Eager', 'Earnest', 'Elegant', 'Emerald',
      'Festive', 'Gallant', 'Genial', 'Gentle', 'Glad', 'Gleeful', 'Glowing', 'Golden', 'Grand', 'Happy',
      'Hardy', 'Hearty', 'Helpful', 'Heroic', 'Honest', 'Hopeful', 'Humble', 'Indigo', 'Jade', 'Jaunty',
      'Jolly', 'Jovial', 'Joyful', 'Keen', 'Kind', 'Lilac', 'Lively', 'Loyal', 'Lucky', 'Merry', 'Mighty',
      'Mindful', 'Modest', 'Neat', 'Nifty', 'Nimble', 'Noble', 'Patient', 'Placid', 'Playful', 'Plucky',
      'Polite', 'Prudent', 'Quick', 'Quiet', 'Radiant', 'Ready', 'Regal', 'Rosy', 'Savvy', 'Serene', 'Silver',
      'Sincere', 'Smart', 'Snowy', 'Starry', 'Stately', 'Steady', 'Stellar', 'Sturdy', 'Sunny', 'Superb',
      'Swift', 'Teal', 'Tidy', 'Trusty', 'Upbeat', 'Valiant', 'Velvet', 'Violet', 'Vivid', 'Warm', 'Wise',
      'Witty', 'Worthy', 'Zesty',
    ],
    animals: [
      'Alpaca', 'Antelope', 'Avocet', 'Axolotl', 'Badger', 'Beluga', 'Bison', 'Bobcat', 'Capybara', 'Caribou',
      'Cheetah', 'Chipmunk', 'Condor', 'Crane', 'Cricket', 'Curlew', 'Dolphin', 'Dormouse', 'Dove', 'Eagle',
      'Egret', 'Elk', 'Ermine', 'Falcon', 'Fennec', 'Ferret', 'Finch', 'Firefly', 'Flamingo', 'Fox', 'Gazelle',
      'Gecko', 'Gerbil', 'Giraffe', 'Hamster', 'Hare', 'Hawk', 'Hedgehog', 'Heron', 'Ibex', 'Ibis', 'Iguana',
      'Impala', 'Jaguar', 'Kangaroo', 'Kestrel', 'Koala', 'Lapwing', 'Lark', 'Lemur', 'Leopard', 'Lion',
      'Llama', 'Lynx', 'Macaw', 'Marmot', 'Marten', 'Meerkat', 'Mongoose', 'Moose', 'Narwhal', 'Ocelot',
      'Octopus', 'Okapi', 'Orca', 'Oriole', 'Osprey', 'Otter', 'Owl', 'Panda', 'Pangolin', 'Panther',
      'Pelican', 'Penguin', 'Petrel', 'Pheasant', 'Platypus', 'Plover', 'Pony', 'Puffin', 'Puma', 'Quokka',
      'Rabbit', 'Raccoon', 'Raven', 'Reindeer', 'Robin', 'Seahorse', 'Seal', 'Skylark', 'Sparrow', 'Squirrel',
      'Starfish', 'Starling', 'Stoat', 'Stork', 'Swan', 'Tapir', 'Tern', 'Tiger', 'Tortoise', 'Toucan',
      'Turtle', 'Wallaby', 'Walrus', 'Warbler', 'Wolf', 'Wombat', 'Wren', 'Zebra',
    ],
  },
  ru: {
    adjectives: [
      'Безмятежный', 'Бесстрашный', 'Бирюзовый', 'Благодушный', 'Благородный', 'Бодрый', 'Бойкий', 'Бравый',
      'Быстрый', 'Вдумчивый', 'Вежливый', 'Верный', 'Весёлый', 'Весенний', 'Гордый', 'Грациозный',
      'Деятельный', 'Дивный', 'Доблестный', 'Добродушный', 'Добрый', 'Достойный', 'Дружелюбный', 'Дружный',
      'Душевный', 'Заботливый', 'Задорный', 'Звёздный', 'Звонкий', 'Зимний', 'Золотой', 'Зоркий', 'Изумрудный',
      'Искренний', 'Искристый', 'Искромётный', 'Искусный', 'Коралловый', 'Лазурный', 'Летний', 'Ловкий',
      'Лунный', 'Лучистый', 'Любезный', 'Любопытный', 'Мирный', 'Могучий', 'Мудрый', 'Надёжный', 'Настойчивый',
      'Находчивый', 'Неунывающий', 'Озорной', 'Опрятный', 'Осенний', 'Остроумный', 'Отважный', 'Отзывчивый',
      'Открытый', 'Приветливый', 'Прилежный', 'Проворный', 'Прозорливый', 'Прыткий', 'Пытливый', 'Радостный',
      'Радужный', 'Радушный', 'Расторопный', 'Резвый', 'Решительный', 'Рубиновый', 'Светлый', 'Свободный',
      'Сдержанный', 'Сердечный', 'Серебряный', 'Сильный', 'Сиреневый', 'Сияющий', 'Скромный', 'Славный',
      'Смелый', 'Сметливый', 'Снежный', 'Собранный', 'Солнечный', 'Спокойный', 'Степенный', 'Стойкий',
      'Тактичный', 'Тёплый', 'Терпеливый', 'Тихий', 'Уверенный', 'Удалой', 'Удачливый', 'Улыбчивый', 'Умелый',
      'Умный', 'Усердный', 'Учтивый', 'Уютный', 'Храбрый', 'Честный', 'Чудесный', 'Чуткий', 'Шустрый',
      'Шутливый', 'Щедрый', 'Элегантный', 'Энергичный', 'Янтарный', 'Яркий', 'Ясный',
    ],
    animals: [
      'Аист', 'Аксолотль', 'Альбатрос', 'Архар', 'Балобан', 'Барс', 'Барсук', 'Бекас', 'Белёк', 'Бельчонок',
      'Беркут', 'Бизон', 'Бобр', 'Буйвол', 'Бурундук', 'Валлаби', 'Волк', 'Волчонок', 'Вомбат', 'Воробей',
      'Ворон', 'Вьюрок', 'Геккон', 'Гепард', 'Голубь', 'Горностай', 'Грач', 'Гризли', 'Дельфин', 'Дикобраз',
      'Дрозд', 'Ёж', 'Енот', 'Жаворонок', 'Жеребёнок', 'Жираф', 'Журавль', 'Заяц', 'Зимородок', 'Зубр',
      'Зяблик', 'Ибис', 'Ирбис', 'Какаду', 'Кальмар', 'Каракал', 'Кенгуру', 'Кит', 'Клёст', 'Кондор',
      'Королёк', 'Кот', 'Котёнок', 'Кречет', 'Кузнечик', 'Кулик', 'Лебедь', 'Лев', 'Лемур', 'Леопард', 'Лис',
      'Лисёнок', 'Лосось', 'Лось', 'Лунь', 'Львёнок', 'Мангуст', 'Манул', 'Медведь', 'Медоед', 'Морж',
      'Мотылёк', 'Муравей', 'Муравьед', 'Мустанг', 'Муфлон', 'Нарвал', 'Опоссум', 'Орёл', 'Орлан', 'Осьминог',
      'Оцелот', 'Пеликан', 'Перепел', 'Песочник', 'Пингвин', 'Пони', 'Поползень', 'Рысак', 'Рябчик', 'Сайгак',
      'Сапсан', 'Сверчок', 'Светлячок', 'Скакун', 'Скворец', 'Слонёнок', 'Снегирь', 'Соболь', 'Совёнок',
      'Сокол', 'Соловей', 'Стриж', 'Сурикат', 'Сурок', 'Суслик', 'Тапир', 'Тигр', 'Тигрёнок', 'Тритон',
      'Тукан', 'Тушканчик', 'Утконос', 'Фенек', 'Филин', 'Фламинго', 'Чибис', 'Чиж', 'Шмель', 'Щегол',
      'Ягнёнок', 'Ягуар', 'Ястреб',
    ],
  },
} as const;

export type NameLanguage = keyof typeof NAMES;

/** How many names a token offers: one from each quarter of its hash. */
const CANDIDATES = 4;

/**
 * The names that go with a visitor token (its SHA-256, in hex), the first preferred: the same
 * token always gets the same ones, so every tab of a visitor shows the same name before the
 * visitor is stored (at the first message), and the stored one is the name the widget showed.
 */
export function visitorNameCandidates(tokenHash: string, language: string): string[] {
  const list = NAMES[(language in NAMES ? language : 'en') as NameLanguage];
  const pick = (from: number, words: readonly string[]) => words[Number.parseInt(tokenHash.slice(from, from + 8), 16) % words.length];
  const names = new Set<string>();
  for (let i = 0; i < CANDIDATES; i++) names.add(`${pick(i * 16, list.adjectives)} ${pick(i * 16 + 8, list.animals)}`);
  return [...names];
}

/** The token's name: its first one that is not `taken` (by an open dialog), else its first. */
export function visitorNameOf(tokenHash: string, language: string, taken: ReadonlySet<string> = new Set()): string {
  const names = visitorNameCandidates(tokenHash, language);
  return names.find((name) => !taken.has(name)) ?? names[0];
}

/** The word lists: their size and their words are checked by tests. */
export const VISITOR_NAME_WORDS = NAMES;
