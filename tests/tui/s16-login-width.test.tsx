// The sign-in screens from 30 to 200 columns: the box fits, the buttons stay whole (side by side
// where they fit, else one under the other, a long label shortened), and no key hint is lost.
import { describe, expect, it } from 'vitest';
import { Gate } from '../../tui/login/Gate.js';
import { LoginScreen } from '../../tui/login/LoginScreen.js';
import { initialLogin, type LoginState, type Screen } from '../../tui/login/state.js';
import { ThemeProvider } from '../../tui/theme.js';
import { overflow, plain, renderSized, waitForFrame } from '../helpers/ink.js';

const URL = 'http://127.0.0.1:47140';
const WIDTHS = [30, 31, 32, 33, 34, 35, 36, 38, 40, 50, 60, 72, 80, 120, 200];

/** Each form's buttons (the long label, and the short one a narrow box shows) and its hints. */
const FORMS: Array<{ screen: Screen; buttons: Array<[string, string?]>; hints: string[] }> = [
  { screen: 'signIn', buttons: [['Sign in'], ['Forgot password?']], hints: ['Enter next / sign in', '↑↓ Tab move', 'Ctrl+C quit'] },
  { screen: 'changePassword', buttons: [['Save and continue']], hints: ['Enter next / save', '↑↓ Tab move', 'Esc back', 'Ctrl+C quit'] },
  { screen: 'forgot', buttons: [['Mail me a code']], hints: ['Enter send', 'Esc back', 'Ctrl+C quit'] },
  { screen: 'reset', buttons: [['Set password and sign in', 'Save and sign in']], hints: ['Enter next / save', '↑↓ Tab move', 'Esc back', 'Ctrl+C quit'] },
];

/** The buttons drawn whole on one row: "[ label ]", in order. */
const buttonsIn = (frame: string) => [...frame.matchAll(/\[ ([^\]\n]+?) \]/g)].map((m) => m[1]);

async function frameOf(screen: Screen, columns: number, color: boolean, more: Partial<LoginState> = {}) {
  const state: LoginState = { ...initialLogin({ url: URL, email: 'oli@example.com' }), screen, ...more };
  const app = await renderSized(
    <ThemeProvider value={{ color }}>
      <LoginScreen state={state} columns={columns} />
    </ThemeProvider>,
    { columns, rows: 24 },
  );
  const frame = plain(app.lastFrame());
  app.unmount();
  return frame;
}

describe('the sign-in screens at any width from 30 to 200 columns', () => {
  it.each([true, false])('fit, with every button whole and every hint shown (colour %s)', async (color) => {
    for (const { screen, buttons, hints } of FORMS) {
      for (const columns of WIDTHS) {
        const frame = await frameOf(screen, columns, color);
        const where = `${screen} at ${columns} columns:\n${frame}`;
        expect(overflow(frame, columns, 24), where).toEqual([]);
        expect(frame.split('\n')[0], where).toBe(`╭${'─'.repeat(Math.min(columns, 72) - 2)}╮`);
        // The long label wherever it fits in the box (26 columns inside at 30), else the short one.
        const inner = Math.min(columns, 72) - 4;
        const expected = buttons.map(([long, short]) => (long.length + 4 + (color ? 0 : 1) <= inner ? long : (short ?? long)));
        expect(buttonsIn(frame), where).toEqual(expected);
        for (const hint of hints) expect(frame, where).toContain(hint);
      }
    }
  });

  it('stacks the sign-in buttons at 30 columns and puts them side by side at 40 and 80', async () => {
    const rowOf = (frame: string, text: string) => frame.split('\n').findIndex((row) => row.includes(text));
    const narrow = await frameOf('signIn', 30, true);
    expect(rowOf(narrow, '[ Forgot password? ]')).toBe(rowOf(narrow, '[ Sign in ]') + 1);
    for (const columns of [40, 80]) {
      const wide = await frameOf('signIn', columns, true);
      expect(rowOf(wide, '[ Forgot password? ]')).toBe(rowOf(wide, '[ Sign in ]'));
    }
  });

  it('the Gate follows a resize from 80 to 30 and 40 columns without a button wrapping', async () => {
    const app = await renderSized(<Gate boot={{ url: URL }} services={{ saveLogin: () => undefined }} />, { columns: 80, rows: 24 });
    try {
      let frame = await waitForFrame(app, (f) => f.includes('[ Sign in ]   [ Forgot password? ]'), 'the buttons side by side at 80');
      expect(overflow(frame, 80, 24)).toEqual([]);
      for (const columns of [30, 40]) {
        app.resize(columns, 24);
        frame = await waitForFrame(app, (f) => f.startsWith(`╭${'─'.repeat(columns - 2)}╮`), `the box ${columns} wide`);
        expect(overflow(frame, columns, 24)).toEqual([]);
        expect(buttonsIn(frame)).toEqual(['Sign in', 'Forgot password?']);
        expect(frame).toContain('Ctrl+C quit');
      }
    } finally {
      app.unmount();
    }
  });

  it('breaks messages and hints at spaces: no row begins with the space, none is cut, no blank row twice', async () => {
    const notOperator = 'admin@example.com is not an operator in any project yet: ask an admin of "Demo shop" to run "parley team update admin@example.com --operator -p 1".';
    const session = { url: URL, token: 'pat_x', email: 'oli@example.com' };
    const cases: Array<[Screen, Partial<LoginState>, string[]]> = [
      ['noProject', { error: notOperator }, ['Esc sign in as someone', 'q quit']],
      ['checking', { request: null, error: 'the server did not answer (connect ECONNREFUSED 127.0.0.1:47140)', retry: { attempt: 2, session } }, ['Enter try now', 'Ctrl+C quit']],
      ['signIn', { error: 'Wrong email or password', info: 'Your password is changed. Sign in with it.' }, ['Ctrl+C quit']],
    ];
    for (const [screen, more, hints] of cases) {
      for (const columns of [30, 40, 80]) {
        const frame = await frameOf(screen, columns, true, more);
        const where = `${screen} at ${columns} columns:\n${frame}`;
        expect(overflow(frame, columns, 24), where).toEqual([]);
        const inside = frame.split('\n').slice(1, -1).map((row) => row.replace(/^\s*│ /, '').replace(/ │\s*$/, ''));
        expect(inside.filter((row) => row.startsWith(' ') && row.trim() !== ''), where).toEqual([]);
        expect(inside.some((row, i) => row.trim() === '' && inside[i + 1]?.trim() === ''), where).toBe(false);
        const text = inside.map((row) => row.trim()).join(' ');
        if (more.error) expect(text, where).toContain(`✗ ${more.error}`);
        if (more.info) expect(text, where).toContain(more.info);
        for (const hint of hints) expect(frame, where).toContain(hint);
      }
    }
  });
});
