// What the login flow shows: one framed box per screen (sign in, new password, forgot, reset,
// project picker, nothing to answer in), at most 72 columns wide so it fits an 80x24 terminal.
import { Box, Text } from '../theme.js';
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
  const width = Math.max(30, Math.min(columns, 72));
  // Border and padding take 4 columns; labels take 14.
  const inner = width - 4;
  const labelWidth = 14;
  const items = ITEMS[state.screen];
  const fields = items.flatMap((it, i) => (it.kind === 'field' ? [{ name: it.name, i }] : []));
  const buttons = items.flatMap((it, i) => (it.kind === 'button' ? [{ action: it.action, i }] : []));

  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          Parley
        </Text>
        <Text> · {TITLES[state.screen]}</Text>
        {state.values.url && state.screen !== 'signIn' ? <Text dimColor> · {state.values.url}</Text> : null}
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
        <Box marginTop={1} gap={3}>
          {buttons.map(({ action, i }) => (
            <Button
              key={action}
              label={action === 'forgot' ? 'Forgot password?' : (BUTTONS[state.screen] ?? 'OK')}
              focused={!state.request && state.focus === i}
            />
          ))}
        </Box>
      ) : null}
      {state.info || state.error || state.request ? <Text> </Text> : null}
      {state.info ? <Text color="green">{state.info}</Text> : null}
      {state.error && state.retry ? (
        <>
          <Text color="yellow">✗ {state.error}</Text>
          <Text color="yellow">
            The stored login is kept: retrying… ({state.retry.attempt} {state.retry.attempt === 1 ? 'try' : 'tries'} so far)
          </Text>
        </>
      ) : state.error ? (
        <Text color="red">✗ {state.error}</Text>
      ) : null}
      {state.request ? <Text color="yellow">{BUSY[state.request.kind]}</Text> : null}
      <Text> </Text>
      <Text dimColor wrap="truncate-end">
        {state.screen === 'checking' && state.retry ? RETRY_HINT : HINTS[state.screen]}
      </Text>
    </Box>
  );
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
