// What the login flow shows: one framed box per screen (sign in, new password, forgot, reset,
// project picker, nothing to answer in), at most 72 columns wide so it fits an 80x24 terminal,
// and at least 30: down to that the buttons stay whole (side by side, else one under the other,
// a long label shortened) and the key hints break between hints rather than lose the last ones.
import { displayWidth, wrapRows } from '../../core/text-layout.js';
import { Box, Text, useTheme } from '../theme.js';
import { Button, TextField } from './TextField.js';
import { type FieldName, ITEMS, type LoginState, SECRET_FIELDS, type Screen } from './state.js';

const LABELS: Record<FieldName, string> = {
  url: 'Server',
  email: 'Email',
  password: 'Password',
  newPassword: 'New password',
  repeat: 'Repeat it',
  code: 'Code',
};

const TITLES: Record<Screen, string> = {
  checking: 'Signing in',
  signIn: 'Sign in',
  changePassword: 'Choose your password',
  forgot: 'Forgot password',
  reset: 'Reset password',
  pickProject: 'Choose a project',
  noProject: 'Nothing to answer here',
  done: 'Connecting',
};

const BUTTONS: Partial<Record<Screen, string>> = {
  signIn: 'Sign in',
  changePassword: 'Save and continue',
  forgot: 'Mail me a code',
  reset: 'Set password and sign in',
};

/** For a box too narrow for the label above (a 30-column terminal). */
const SHORT_BUTTONS: Partial<Record<Screen, string>> = {
  reset: 'Save and sign in',
};

/** Columns between buttons side by side. */
const BUTTON_GAP = 3;

const BUSY: Record<string, string> = {
  check: 'Signing in with the stored login…',
  login: 'Signing in…',
  change: 'Saving the new password…',
  forgot: 'Asking for a code…',
  reset: 'Setting the new password…',
};

/** The stored login waits for the server: it can be tried now, or given up for a password. */
const RETRY_HINT = 'Enter try now · Esc sign in with a password · Ctrl+C quit';

const HINTS: Record<Screen, string> = {
  checking: 'Ctrl+C quit',
  signIn: 'Enter next / sign in · ↑↓ Tab move · Ctrl+C quit',
  changePassword: 'Enter next / save · ↑↓ Tab move · Esc back · Ctrl+C quit',
  forgot: 'Enter send · Esc back · Ctrl+C quit',
  reset: 'Enter next / save · ↑↓ Tab move · Esc back · Ctrl+C quit',
  pickProject: '↑↓ j k move · Enter open · Esc sign out · q quit',
  noProject: 'Esc sign in as someone else · q quit',
  done: 'Ctrl+C quit',
};

export function LoginScreen({ state, columns }: { state: LoginState; columns: number }) {
  const { color } = useTheme();
  const width = Math.max(30, Math.min(columns, 72));
  // Border and padding take 4 columns; labels take 14.
  const inner = width - 4;
  const labelWidth = 14;
  const items = ITEMS[state.screen];
  const fields = items.flatMap((it, i) => (it.kind === 'field' ? [{ name: it.name, i }] : []));
  // A button takes its label, "[ " and " ]", and without colour a column for the focus mark.
  const buttonWidth = (label: string) => displayWidth(label) + 4 + (color ? 0 : 1);
  const buttons = items.flatMap((it, i) => {
    if (it.kind !== 'button') return [];
    const long = it.action === 'forgot' ? 'Forgot password?' : (BUTTONS[state.screen] ?? 'OK');
    const label = buttonWidth(long) > inner ? (SHORT_BUTTONS[state.screen] ?? long) : long;
    return [{ action: it.action, i, label }];
  });
  const inRow = buttons.reduce((sum, b) => sum + buttonWidth(b.label), 0) + BUTTON_GAP * (buttons.length - 1) <= inner;
  // "Parley · " gives way to the screen's title where both do not fit; the server's URL follows
  // where enough of it fits to tell servers apart (a cut "· ht…" tells nothing).
  const title = TITLES[state.screen];
  const brand = displayWidth(`Parley · ${title}`) <= inner;
  const head = displayWidth(brand ? `Parley · ${title} · ` : `${title} · `);
  // A screen with nothing but its message (no project to answer in) has the blank under the title.
  const above = state.screen === 'checking' || state.screen === 'pickProject' || items.length > 0;
  const url = state.values.url && state.screen !== 'signIn' && inner - head >= Math.min(displayWidth(state.values.url), 16) ? state.values.url : '';

  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text wrap="truncate-end">
        {brand ? (
          <>
            <Text bold color="cyan">
              Parley
            </Text>
            <Text> · </Text>
          </>
        ) : null}
        <Text>{title}</Text>
        {url ? <Text dimColor> · {url}</Text> : null}
      </Text>
      <Text> </Text>
      {state.screen === 'checking' ? <Text wrap="truncate-end">{state.values.email || 'Your stored login'} at {state.values.url}</Text> : null}
      {state.screen === 'changePassword' || state.screen === 'reset' ? (
        <Box>
          <Box width={labelWidth} flexShrink={0}>
            <Text dimColor>Email</Text>
          </Box>
          <Text wrap="truncate-end">{state.values.email}</Text>
        </Box>
      ) : null}
      {fields.map(({ name, i }) => (
        <TextField
          key={name}
          label={LABELS[name]}
          labelWidth={labelWidth}
          value={state.values[name]}
          width={inner - labelWidth}
          focused={!state.request && state.focus === i}
          secret={SECRET_FIELDS.has(name)}
        />
      ))}
      {state.screen === 'pickProject' ? <ProjectPicker state={state} width={inner} /> : null}
      {buttons.length ? (
        <Box marginTop={1} flexDirection={inRow ? 'row' : 'column'} gap={inRow ? BUTTON_GAP : 0}>
          {buttons.map(({ action, i, label }) => (
            <Button key={action} label={label} focused={!state.request && state.focus === i} />
          ))}
        </Box>
      ) : null}
      {(state.info || state.error || state.request) && above ? <Text> </Text> : null}
      {state.info ? <Rows text={state.info} width={inner} color="green" /> : null}
      {state.error && state.retry ? (
        <>
          <Rows text={`✗ ${state.error}`} width={inner} color="yellow" />
          <Rows
            text={`The stored login is kept: retrying… (${state.retry.attempt} ${state.retry.attempt === 1 ? 'try' : 'tries'} so far)`}
            width={inner}
            color="yellow"
          />
        </>
      ) : state.error ? (
        <Rows text={`✗ ${state.error}`} width={inner} color="red" />
      ) : null}
      {state.request ? <Rows text={BUSY[state.request.kind]} width={inner} color="yellow" /> : null}
      <Text> </Text>
      {hintLines(state.screen === 'checking' && state.retry ? RETRY_HINT : HINTS[state.screen], inner).map((line, i) => (
        <Text key={i} dimColor>
          {line}
        </Text>
      ))}
    </Box>
  );
}

/**
 * A message in rows of `width`, broken at spaces. (Ink's own wrap began the next row with the
 * space it broke at.)
 */
function Rows({ text, width, color }: { text: string; width: number; color: string }) {
  return (
    <>
      {text
        .split('\n')
        .flatMap((line) => wrapRows(line, width))
        .map((row, i) => (
          <Text key={i} color={color}>
            {row}
          </Text>
        ))}
    </>
  );
}

/** The hints (" · " between them) in rows of at most `columns`: a hint whole on one row, or one wider than a row on rows of its own. */
function hintLines(hints: string, columns: number): string[] {
  const lines: string[] = [];
  let open = false; // whether the last row takes another hint
  for (const hint of hints.split(' · ')) {
    const joined = `${lines.at(-1)} · ${hint}`;
    if (open && displayWidth(joined) <= columns) lines[lines.length - 1] = joined;
    else if (displayWidth(hint) <= columns) lines.push(hint);
    else {
      lines.push(...wrapRows(hint, columns));
      open = false;
      continue;
    }
    open = true;
  }
  return lines;
}

function ProjectPicker({ state, width }: { state: LoginState; width: number }) {
  // A long list scrolls: the window keeps the highlighted project in view.
  const rows = 10;
  const start = Math.max(0, Math.min(state.selected - rows + 1, state.choices.length - rows));
  const visible = state.choices.slice(Math.max(0, start), Math.max(0, start) + rows);
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate-end">
        You answer chats in {state.choices.length} projects. Which one now?
      </Text>
      {visible.map((p) => {
        const on = state.choices[state.selected]?.id === p.id;
        return (
          <Box key={p.id} width={width}>
            <Text inverse={on} color={on ? 'cyan' : undefined} wrap="truncate-end">
              {on ? '› ' : '  '}
              {p.name} <Text dimColor={!on}>(id {p.id})</Text>
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
