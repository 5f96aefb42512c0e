// The title row of a window (the `?` help, the `v` reader, the Telegram link): its name, which
// rows are in view when it scrolls, and the keys that scroll and close it. A narrow window gets
// a shorter wording, never a cut one: the keys that close the window are what must stay.
import { fitWording } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

/** Rows first-last of total in view; null when the window shows all of them. */
export interface InView {
  first: number;
  last: number;
  total: number;
}

export function WindowTitle({ width, name, short, inView, close }: { width: number; name: string; short: string; inView: InView | null; close: string }) {
  const title = (text: string, more: string): Piece[] => [{ text }, { text: more, dimColor: true }];
  const keys = close.split(/[ ,]/)[0];
  const wordings: Piece[][] = inView
    ? [
        title(`${name} `, `(rows ${inView.first}-${inView.last} of ${inView.total}; ↑↓ PgUp PgDn scroll, ${close})`),
        title(`${name} `, `(${inView.first}-${inView.last} of ${inView.total}; ↑↓ PgUp PgDn, ${keys} closes)`),
        title(`${short} `, `${inView.first}-${inView.last}/${inView.total} · ↑↓ · ${keys} closes`),
        title(`${short} `, `${inView.first}-${inView.last}/${inView.total} ↑↓ ${keys}`),
        title('', `${inView.first}-${inView.last}/${inView.total} ↑↓ ${keys}`),
      ]
    : [title(`${name} `, `(${close})`), title(`${name} `, `(${keys} closes)`), title(`${short} `, `(${keys} closes)`), title(`${short} `, `(${keys})`)];
  return <CutRow width={width} bold pieces={fitWording(wordings, width)} keep={1} />;
}
