// Forward-only schema migrations. The position in this list is the schema version
// (PRAGMA user_version); never edit a released migration, append a new one.
// Times are integers: milliseconds since the epoch.

export interface Migration {
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    name: 'accounts, projects, team, sessions, mail queue',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        phone TEXT,
        password_hash TEXT NOT NULL,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        password_expires_at INTEGER,
        server_admin INTEGER NOT NULL DEFAULT 0,
        disabled_at INTEGER,
        avatar_file TEXT,
        avatar_type TEXT,
        avatar_etag TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        widget_key TEXT NOT NULL UNIQUE,
        allowed_origins TEXT NOT NULL DEFAULT '[]',
        timezone TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'en',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE memberships (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        access TEXT CHECK (access IN ('admin', 'settings')),
        operator INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (project_id, user_id)
      );
      CREATE INDEX memberships_by_user ON memberships(user_id);

      -- Login sessions and API tokens: only a SHA-256 of the secret is stored.
      CREATE TABLE credentials (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
        name TEXT,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        idle_ttl_ms INTEGER,
        expires_at INTEGER,
        revoked_at INTEGER
      );
      CREATE INDEX credentials_by_user ON credentials(user_id);
      CREATE UNIQUE INDEX api_token_names ON credentials(user_id, name)
        WHERE kind = 'api' AND revoked_at IS NULL;

      CREATE TABLE password_resets (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX password_resets_by_user ON password_resets(user_id);

      CREATE TABLE login_failures (
        email TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX login_failures_by_email ON login_failures(email, at);

      -- Outgoing mail. The body is erased once the mail is handed over (it may hold a password).
      CREATE TABLE mail_queue (
        id INTEGER PRIMARY KEY,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
      );
      CREATE INDEX mail_queue_pending ON mail_queue(status, next_attempt_at);

      CREATE TABLE server_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];
