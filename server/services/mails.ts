// The texts of the mails Parley sends. Plain text: it reads well in any client and in an .eml file.

/** The operator package the server serves (routes/kit.ts): the parley command of its version. */
export const installCommand = (publicUrl: string) => `npm install -g ${publicUrl}/parley.tgz`;

const signInSteps = (publicUrl: string, email: string) =>
  [
    'Install the parley command once (it needs Node.js 20.19 or later):',
    `  ${installCommand(publicUrl)}`,
    'Then sign in from a terminal, and open the chats:',
    `  parley login --url ${publicUrl} --email ${email}`,
    '  parley tui',
  ].join('\n');

export function welcomeMail(p: {
  to: string;
  firstName: string;
  projectName: string;
  password: string;
  expiresAt: number;
  publicUrl: string;
  /**
   * For an account that never chose its own password, added to one more project: the new
   * password replaces the one of earlier mails.
   */
  replacesEarlier?: boolean;
}) {
  return {
    to: p.to,
    subject: `Your Parley account for ${p.projectName}`,
    body: [
      `Hello ${p.firstName},`,
      '',
      `You have been added to "${p.projectName}" on Parley, the team's live chat.`,
      '',
      `Server:   ${p.publicUrl}`,
      `Login:    ${p.to}`,
      `Password: ${p.password}`,
      '',
      'This password works once: at the first sign-in you choose your own.',
      ...(p.replacesEarlier ? ['It replaces the password of any earlier mail from Parley, which no longer works.'] : []),
      `It expires on ${new Date(p.expiresAt).toUTCString()} if unused.`,
      '',
      signInSteps(p.publicUrl, p.to),
      '',
      'Did not expect this mail? You can ignore it.',
    ].join('\n'),
  };
}

export function addedToProjectMail(p: { to: string; firstName: string; projectName: string; publicUrl: string }) {
  return {
    to: p.to,
    subject: `You were added to ${p.projectName} on Parley`,
    body: [
      `Hello ${p.firstName},`,
      '',
      `You now have access to "${p.projectName}" on Parley. Sign in with the password you chose.`,
      '',
      signInSteps(p.publicUrl, p.to),
      '',
      `Forgot it? parley password forgot --url ${p.publicUrl} --email ${p.to}`,
    ].join('\n'),
  };
}

/** "08:59 UTC on 27 Nov 2026": a mail may arrive late (the queue retries), so a deadline is a time. */
const utcTime = (at: number) => {
  const d = new Date(at);
  const day = d.toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
  return `${d.toISOString().slice(11, 16)} UTC on ${day}`;
};

export function resetCodeMail(p: { to: string; firstName: string; code: string; publicUrl: string; expiresAt: number }) {
  return {
    to: p.to,
    subject: 'Your Parley password reset code',
    body: [
      `Hello ${p.firstName},`,
      '',
      `Someone (hopefully you) asked to reset the Parley password of ${p.to} at ${p.publicUrl}.`,
      '',
      `Code: ${p.code}`,
      '',
      `It works once, until ${utcTime(p.expiresAt)}:`,
      `  parley password reset --url ${p.publicUrl} --email ${p.to} --code ${p.code}`,
      `(No parley command on this computer? ${installCommand(p.publicUrl)})`,
      '',
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ].join('\n'),
  };
}

/** An API token that outlives a password reset, as the reset's mail and answer name it. */
export interface RemainingToken {
  name: string;
  /** The project it is limited to, or null: all the account's projects. */
  project: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** Created in the day before the reset: perhaps by whoever the reset locks out. */
  isNew: boolean;
}

/**
 * The commands that end every API token of `email` on the server at `publicUrl`: the reset
 * signed every session out, so signing in comes first.
 */
export const revokeTokensCommand = (publicUrl: string, email: string) =>
  `parley login --url ${publicUrl} --email ${email} && parley token revoke --all`;

/** "ci [new]: created 08:59 UTC on 27 Nov 2026, last used …", one line per token; `ci (limited to "Shop") …` if it is. */
export const remainingTokenLines = (tokens: RemainingToken[]) =>
  tokens.map(
    (t) =>
      `  ${t.name}${t.project === null ? '' : ` (limited to "${t.project}")`}${t.isNew ? ' [new]' : ''}: created ${utcTime(t.createdAt)}, ${t.lastUsedAt === null ? 'never used' : `last used ${utcTime(t.lastUsedAt)}`}`,
  );

/**
 * After a password reset: a record of it in the mailbox that could ask for it, and the API
 * tokens it did not end (they are for scripts and CI, and must not stop silently), with how to
 * end them should the reset have been a recovery from someone else's use of the account.
 */
export function passwordResetMail(p: {
  to: string;
  firstName: string;
  publicUrl: string;
  at: number;
  telegramUnlinked: boolean;
  tokens: RemainingToken[];
}) {
  const ended = p.telegramUnlinked ? 'every session was signed out and the linked Telegram chat unlinked' : 'every session was signed out';
  return {
    to: p.to,
    subject: 'Your Parley password was reset',
    body: [
      `Hello ${p.firstName},`,
      '',
      `The Parley password of ${p.to} at ${p.publicUrl} was reset at ${utcTime(p.at)} with a code mailed here: ${ended}.`,
      '',
      ...(p.tokens.length === 0
        ? ['The account has no API tokens.']
        : [
            `These API tokens still work${p.tokens.some((t) => t.isNew) ? ' ([new]: created in the 24 hours before the reset)' : ''}:`,
            ...remainingTokenLines(p.tokens),
            '',
            'Any you do not know, or all of them if someone else may have used the account, end at once:',
            `  ${revokeTokensCommand(p.publicUrl, p.to)}`,
            '(or one: parley token revoke NAME)',
          ]),
      '',
      'If you did not reset it, someone who can read this mailbox did: secure the mailbox, then reset the password again (parley password forgot).',
    ].join('\n'),
  };
}
