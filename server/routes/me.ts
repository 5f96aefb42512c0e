// The caller's own account: who am I, profile, password, avatar.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ChangePasswordBody, Me, UpdateProfileBody, User } from '../../core/protocol/index.js';
import { ACCOUNT_RULES } from '../config.js';
import { tooLarge } from '../errors.js';
import { assertUnlimited, CREATE_TOKENS } from '../services/accounts.js';
import { presentProject, presentUser } from '../services/present.js';

export default async function meRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, profile, projects } = app.services;

  r.get('/me', { schema: { response: { 200: Me } } }, async (request) => {
    const auth = await app.authenticate(request, { allowRestricted: true });
    // A token limited to a project has its owner's server administration masked (accounts.ts):
    // `user` says what the token may do, `token` that the person has more, not through it.
    return {
      user: presentUser(auth.user),
      projects: (await projects.list(auth)).map((p) => presentProject(p, app.config.publicUrl)),
      token: { kind: auth.kind, project: auth.project ?? null, serverAdminWithheld: auth.serverAdminWithheld === true },
    };
  });

  // A token limited to one project does not change what every project shows of its owner.
  const PROFILE = 'change your profile, which all your projects show';

  r.patch('/me', { schema: { body: UpdateProfileBody, response: { 200: User } } }, async (request) => {
    const auth = await app.authenticate(request);
    assertUnlimited(auth, PROFILE);
    return presentUser(await profile.update(auth, request.body));
  });

  // Not with an API token: whoever holds a leaked one must not lock the owner out.
  r.post('/me/password', { schema: { body: ChangePasswordBody, response: { 200: User } } }, async (request) => {
    const auth = await app.authenticate(request, { allowRestricted: true, signedInTo: CREATE_TOKENS });
    return presentUser(await accounts.changePassword(auth, request.body.currentPassword, request.body.newPassword));
  });

  // The avatar travels as the raw file (any Content-Type); its type is read from its bytes.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ACCOUNT_RULES.avatarMaxBytes }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((err: { code?: string }, _request, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw tooLarge('an avatar may be at most 2 MB');
      throw err;
    });
    scope.put('/me/avatar', { schema: { response: { 200: User } } }, async (request) => {
      const auth = await app.authenticate(request);
      assertUnlimited(auth, PROFILE);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return presentUser(await profile.setAvatar(auth, body));
    });
  });

  r.delete('/me/avatar', { schema: { response: { 200: User } } }, async (request) => {
    const auth = await app.authenticate(request);
    assertUnlimited(auth, PROFILE);
    return presentUser(await profile.clearAvatar(auth));
  });
}
