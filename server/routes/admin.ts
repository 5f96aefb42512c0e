// Server administration over the API (server administrators only):
//   POST /api/v1/admin/users/:email/disable   ends every session and API token of the account,
//                                             closes its sockets; it cannot sign in any more
//   POST /api/v1/admin/users/:email/enable    lets it sign in again (with its old password)
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AccountState } from '../../core/protocol/index.js';

const EmailParams = Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) });

export default async function adminRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts } = app.services;

  for (const action of ['disable', 'enable'] as const) {
    r.post(`/admin/users/:email/${action}`, { schema: { params: EmailParams, response: { 200: AccountState } } }, async (request) => {
      const auth = await app.authenticate(request);
      const user = await accounts.setDisabled(auth, request.params.email, action === 'disable');
      request.log.info({ userId: user.id, action }, 'account state changed');
      return { email: user.email, disabled: user.disabled_at !== null, disabledAt: user.disabled_at === null ? null : new Date(user.disabled_at).toISOString() };
    });
  }
}
