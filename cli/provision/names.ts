/** How names of groups, templates and lead classes are compared (as the server does: case and spacing do not count). */
export const nameKey = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
/** How project names are compared, as the server keeps them unique: NFC, trimmed, whatever their case (inner spaces count). */
export const projectKey = (name: string) => name.normalize('NFC').trim().toLowerCase();
