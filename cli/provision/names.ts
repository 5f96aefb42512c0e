/** How names of groups, templates and lead classes are compared (as the server does: case and spacing do not count). */
export const nameKey = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
