// Where a lead came from, decided one way for the report (server) and the journal (CLI, TUI).
import type { Lead } from './protocol/journal.js';

const hostOf = (url: string | null) => {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
};

/** The UTM source; else the referrer's host when it is another site; else null (direct). */
export function sourceOf(lead: Pick<Lead, 'utm' | 'referrer' | 'landingPage'>): string | null {
  if (lead.utm.source?.trim()) return lead.utm.source.trim();
  const host = hostOf(lead.referrer);
  return host && host !== hostOf(lead.landingPage) ? host : null;
}

export const sourceLabel = (lead: Pick<Lead, 'utm' | 'referrer' | 'landingPage'>) => sourceOf(lead) ?? '(direct)';
