// The texts of the mails Parley sends. Plain text: it reads well in any client and in an .eml file.

/** The operator package the server serves (routes/kit.ts): the parley command of its version. */
export const installCommand = (publicUrl: string) => `npm install -g ${publicUrl}/parley.tgz`;

const signInSteps = (publicUrl: string, email: string) =>
  [
    'Install the parley command once (it needs Node.js 20 or later):',
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
