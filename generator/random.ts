/**
 * Reproducible randomness for the generator: a small seeded PRNG (mulberry32) for names and
 * numbers chosen in TypeScript, and a seed for PostgreSQL's own `setseed()` for rows generated
 * in SQL (bulk impressions and clicks).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A value for PostgreSQL's setseed(), in [-1, 1]. */
  pgSeed(): number;
}

export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    pgSeed: () => next() * 2 - 1,
  };
}

const ADJECTIVES = [
  'Blue',
  'Bright',
  'Clever',
  'Golden',
  'Green',
  'Happy',
  'Lucky',
  'Nimble',
  'Prime',
  'Quick',
  'Red',
  'Silver',
  'Smart',
  'Solid',
  'Swift',
  'True',
  'Urban',
  'Vivid',
  'Wild',
  'Young',
];
const NOUNS = [
  'Apparel',
  'Bakery',
  'Bikes',
  'Books',
  'Coffee',
  'Cosmetics',
  'Foods',
  'Games',
  'Garden',
  'Health',
  'Homes',
  'Labs',
  'Media',
  'Motors',
  'Music',
  'Outdoors',
  'Pets',
  'Sports',
  'Tech',
  'Travel',
];
const SUFFIXES = ['Inc', 'LLC', 'GmbH', 'Ltd', 'Co', 'Group'];
const THEMES = [
  'Summer Sale',
  'Winter Deals',
  'Black Friday',
  'Back to School',
  'Brand Awareness',
  'Retargeting',
  'New Launch',
  'Holiday Special',
  'Spring Collection',
  'Clearance',
];

export function advertiserName(random: Random): string {
  return `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)} ${random.pick(SUFFIXES)}`;
}

export function campaignName(random: Random): string {
  return `${random.pick(THEMES)} ${random.int(2024, 2027)} #${random.int(1, 999)}`;
}
