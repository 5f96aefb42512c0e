/** A person's name as shown: a last name of "-" (the way to give none) is left out. */
export const personName = (first: string | null, last: string | null): string =>
  [first, last && last !== '-' ? last : null].filter(Boolean).join(' ');
