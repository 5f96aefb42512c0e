// Rows -> the API's shapes (core/protocol). One place, so every route says the same thing.
import type { ApiToken, Member, Project, User } from '../../core/protocol/index.js';
import type { CredentialRow } from '../db/credentials.js';
import type { MemberRow, ProjectWithMembership } from '../db/projects.js';
import type { UserRow } from '../db/users.js';

export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const avatarUrl = (u: Pick<UserRow, 'id' | 'avatar_etag'>) =>
  u.avatar_etag ? `/avatars/${u.id}?v=${u.avatar_etag.slice(0, 12)}` : null;

export function presentUser(u: UserRow): User {
  return {
    id: u.id,
    email: u.email,
    firstName: u.first_name,
    lastName: u.last_name,
    phone: u.phone,
    avatarUrl: avatarUrl(u),
    serverAdmin: u.server_admin === 1,
    mustChangePassword: u.must_change_password === 1,
  };
}

export function presentProject(p: ProjectWithMembership): Project {
  return {
    id: p.id,
    name: p.name,
    widgetKey: p.widget_key,
    allowedOrigins: JSON.parse(p.allowed_origins) as string[],
    timezone: p.timezone,
    language: p.language,
    createdAt: iso(p.created_at),
    access: p.access,
    operator: p.operator === 1,
  };
}

export function presentMember(m: MemberRow): Member {
  return {
    userId: m.id,
    email: m.email,
    firstName: m.first_name,
    lastName: m.last_name,
    phone: m.phone,
    avatarUrl: avatarUrl(m),
    operator: m.operator === 1,
    access: m.access,
    createdAt: iso(m.joined_at),
  };
}

export function presentApiToken(t: CredentialRow): ApiToken {
  return {
    name: t.name ?? '',
    createdAt: iso(t.created_at),
    lastUsedAt: isoOrNull(t.last_used_at),
    expiresAt: isoOrNull(t.expires_at),
  };
}
