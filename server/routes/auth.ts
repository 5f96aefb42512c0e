// Public account endpoints: sign in, sign out, forgot and reset password.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ForgotPasswordBody, LoginBody, LoginReply, ResetPasswordBody, ResetPasswordReply } from '../../core/protocol/index.js';
import { revokeTokensCommand } from '../services/mails.js';
import { presentRemainingToken, presentUser } from '../services/present.js';

export default async function authRoutes(app: FastifyInstance, opts: { loginPerMinute: number; forgotPerMinute: number }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts } = app.services;

  r.post(
    '/auth/login',
    {
      schema: { body: LoginBody, response: { 200: LoginReply } },
      config: { rateLimit: { max: opts.loginPerMinute, timeWindow: 60_000 } },
    },
    async (request) => {
      const { token, user } = await accounts.login(request.body.email, request.body.password, request.ip);
      return { token, mustChangePassword: user.must_change_password === 1, user: presentUser(user) };
    },
  );

  r.post('/auth/logout', async (request, reply) => {
    const auth = await app.authenticate(request, { allowRestricted: true });
    await accounts.logout(auth);
    return reply.code(204).send();
  });

  r.post(
    '/auth/password/forgot',
    {
      schema: { body: ForgotPasswordBody },
      config: { rateLimit: { max: opts.forgotPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      accounts.requestPasswordReset(request.body.email, (err) => request.log.error({ err }, 'password reset failed'));
      return reply.code(202).send({
        status: 'accepted',
        message: 'if this email belongs to an account, a reset code is on its way; it works for 10 minutes',
      });
    },
  );

  r.post(
    '/auth/password/reset',
    {
      schema: { body: ResetPasswordBody, response: { 200: ResetPasswordReply } },
      config: { rateLimit: { max: opts.forgotPerMinute * 2, timeWindow: 60_000 } },
    },
    async (request) => {
      const { email, code, newPassword } = request.body;
      const { email: account, unlinkedChat, tokens } = await accounts.resetPassword(email, code, newPassword);
      // Not awaited: the answer does not wait for Telegram (the reset has already ended the link).
      if (unlinkedChat !== null) void app.telegram?.linkEndedByReset(unlinkedChat);
      const revokeCommand = tokens.length > 0 ? revokeTokensCommand(app.config.publicUrl, account) : null;
      return {
        status: 'ok' as const,
        message:
          tokens.length === 0
            ? 'the password was changed; sign in with it'
            : `the password was changed; sign in with it. ${tokens.length === 1 ? '1 API token still works' : `${tokens.length} API tokens still work`} (${tokens.map((t) => t.name).join(', ')}); to end them all: ${revokeCommand}`,
        apiTokens: tokens.map((t) => presentRemainingToken(t.row, t.isNew)),
        revokeCommand,
      };
    },
  );
}
