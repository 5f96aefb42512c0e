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
  {
    name: 'visitors, dialogs, messages, attachments, operator status',
    sql: `
      -- Operator presence, per project membership (the manual switch; schedules come later).
      ALTER TABLE memberships ADD COLUMN online INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE memberships ADD COLUMN status_changed_at INTEGER;

      CREATE TABLE visitors (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        real_name TEXT,
        phone TEXT,
        email TEXT,
        notes TEXT,
        page_url TEXT,
        page_title TEXT,
        referrer TEXT,
        utm TEXT,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      );
      CREATE INDEX visitors_by_project ON visitors(project_id);

      -- One conversation per visitor; closed dialogs reopen when the visitor writes again.
      -- rev counts every change to the dialog's messages (new, edited, delivered): clients
      -- resume from the last rev they hold and get exactly what changed since.
      CREATE TABLE dialogs (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        visitor_id INTEGER NOT NULL UNIQUE REFERENCES visitors(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        group_name TEXT,
        lead_class TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        rev INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        first_response_at INTEGER,
        last_message_at INTEGER NOT NULL,
        closed_at INTEGER
      );
      CREATE INDEX dialogs_by_activity ON dialogs(project_id, status, last_message_at DESC);

      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        rev INTEGER NOT NULL,
        author TEXT NOT NULL CHECK (author IN ('visitor', 'operator', 'system')),
        operator_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        body TEXT NOT NULL,
        attachments TEXT,
        client_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        edited_at INTEGER,
        delivered_at INTEGER,
        UNIQUE (dialog_id, seq),
        UNIQUE (dialog_id, client_id)
      );
      CREATE INDEX messages_by_rev ON messages(dialog_id, rev);

      -- Files belong to a visitor's conversation; they may be uploaded before the first
      -- message (which creates the dialog). access_key makes the file's URL unguessable.
      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
        uploaded_by TEXT NOT NULL CHECK (uploaded_by IN ('visitor', 'operator')),
        access_key TEXT NOT NULL,
        file TEXT NOT NULL,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    name: 'operator working schedules, manual switch expiry',
    sql: `
      -- Working hours per (project, operator): weekly intervals in minutes since local midnight
      -- [from_min, to_min), in the project's timezone; several per weekday.
      CREATE TABLE schedule_intervals (
        project_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        weekday TEXT NOT NULL CHECK (weekday IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
        from_min INTEGER NOT NULL CHECK (from_min >= 0 AND from_min < 1440),
        to_min INTEGER NOT NULL CHECK (to_min > from_min AND to_min <= 1440),
        FOREIGN KEY (project_id, user_id) REFERENCES memberships(project_id, user_id) ON DELETE CASCADE
      );
      CREATE INDEX schedule_intervals_by_member ON schedule_intervals(project_id, user_id);

      -- Date exceptions: a row with NULL times is a day off; otherwise the special hours of that
      -- date (they replace the weekly intervals of the date).
      CREATE TABLE schedule_exceptions (
        project_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        date TEXT NOT NULL,
        from_min INTEGER,
        to_min INTEGER,
        CHECK ((from_min IS NULL AND to_min IS NULL) OR (from_min >= 0 AND to_min > from_min AND to_min <= 1440)),
        FOREIGN KEY (project_id, user_id) REFERENCES memberships(project_id, user_id) ON DELETE CASCADE
      );
      CREATE INDEX schedule_exceptions_by_member ON schedule_exceptions(project_id, user_id, date);

      -- The manual switch of an operator with a schedule lasts until the next boundary of the
      -- schedule (NULL: no manual switch in force, or no end because there is no schedule).
      ALTER TABLE memberships ADD COLUMN manual_until INTEGER;
      -- Whether a manual switch is in force (1) or the schedule decides (0).
      ALTER TABLE memberships ADD COLUMN manual INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    name: 'reply templates, lead classes',
    sql: `
      -- Reply templates, project-wide. name_key is the name folded for uniqueness (the service
      -- computes it: SQLite's NOCASE folds only ASCII, and names are often Cyrillic).
      CREATE TABLE templates (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        text TEXT NOT NULL,
        created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (project_id, name_key)
      );

      -- The classes operators pick for a dialog (dialogs.lead_class holds the name, so the
      -- journal keeps a class a dialog was given even after the class is removed from the list).
      CREATE TABLE lead_classes (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        position INTEGER NOT NULL,
        UNIQUE (project_id, name_key)
      );

      -- Every project starts with the default classes: the existing ones now, new ones on creation
      -- (a trigger, so every way of creating a project gets them, provisioning included).
      INSERT INTO lead_classes (project_id, name, name_key, position)
        SELECT p.id, d.name, d.name, d.position FROM projects p,
          (SELECT 'target' AS name, 1 AS position UNION ALL SELECT 'not target', 2
           UNION ALL SELECT 'spam', 3 UNION ALL SELECT 'existing client', 4) d;
      CREATE TRIGGER projects_default_lead_classes AFTER INSERT ON projects
      BEGIN
        INSERT INTO lead_classes (project_id, name, name_key, position) VALUES
          (NEW.id, 'target', 'target', 1), (NEW.id, 'not target', 'not target', 2),
          (NEW.id, 'spam', 'spam', 3), (NEW.id, 'existing client', 'existing client', 4);
      END;

      -- The lead journal reads dialogs of a project by creation time.
      CREATE INDEX dialogs_by_created ON dialogs(project_id, created_at);
    `,
  },
  {
    name: 'operator groups, URL routing rules, assignment policy',
    sql: `
      -- Named sets of operators. name_key is the name folded for uniqueness (computed by the
      -- service: NOCASE folds only ASCII).
      CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (project_id, name_key)
      );

      -- A member leaving the project leaves its groups too.
      CREATE TABLE group_members (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        project_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id),
        FOREIGN KEY (project_id, user_id) REFERENCES memberships(project_id, user_id) ON DELETE CASCADE
      );
      CREATE INDEX group_members_by_member ON group_members(project_id, user_id);

      -- Page URL pattern -> group, tried in position order; the first match routes a new dialog.
      CREATE TABLE group_routes (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        pattern TEXT NOT NULL,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        PRIMARY KEY (project_id, position)
      );

      ALTER TABLE projects ADD COLUMN assignment TEXT NOT NULL DEFAULT 'manual'
        CHECK (assignment IN ('manual', 'round-robin'));
      -- Round-robin fairness: the project-wide sequence number of the member's latest automatic
      -- assignment; the online candidate with the lowest one is next (persisted: survives restarts).
      ALTER TABLE memberships ADD COLUMN assigned_seq INTEGER NOT NULL DEFAULT 0;

      -- Dialogs reference their group by id (views and round-robin follow it; deleting a group
      -- ungroups its dialogs). group_name keeps the name the dialog was routed with, for the lead
      -- journal, as lead_class does. Existing group_name values were free text from data-group
      -- that routed nothing (no group existed): they stay as history, and the dialogs have no group,
      -- which is what the routing rule says of an unknown group name.
      ALTER TABLE dialogs ADD COLUMN group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL;
      CREATE INDEX dialogs_by_group ON dialogs(group_id);
    `,
  },
  {
    name: 'widget colour and greeting',
    sql: `
      -- The widget's accent colour (#rrggbb) and the first line a visitor sees; NULL: the defaults.
      ALTER TABLE projects ADD COLUMN widget_color TEXT;
      ALTER TABLE projects ADD COLUMN widget_greeting TEXT;
    `,
  },
  {
    name: 'telegram bridge: polling offset, linked chats, link codes, message mapping',
    sql: `
      -- One row: the next update_id getUpdates asks for (every lower one was handled).
      CREATE TABLE telegram_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        update_offset INTEGER NOT NULL
      );

      -- A Telegram chat linked to an operator (one chat per user, one user per chat).
      CREATE TABLE telegram_links (
        user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        chat_id INTEGER NOT NULL UNIQUE,
        linked_at INTEGER NOT NULL
      );

      -- One-time codes from "parley telegram link": only a SHA-256 is stored.
      CREATE TABLE telegram_link_codes (
        code_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );

      -- Telegram messages that stand for Parley messages: a forwarded visitor message (the
      -- operator replies to it) or an operator's reply (marked once the widget acked it).
      -- client_id is the reply's clientId, known before it is stored.
      CREATE TABLE telegram_messages (
        chat_id INTEGER NOT NULL,
        tg_message_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('forward', 'reply')),
        dialog_id INTEGER NOT NULL REFERENCES dialogs(id) ON DELETE CASCADE,
        client_id TEXT,
        delivered_shown INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, tg_message_id)
      );
      CREATE INDEX telegram_messages_by_client ON telegram_messages(dialog_id, client_id);
    `,
  },
  {
    name: 'telegram: the dialog a chat has open, the notice of an undelivered reply',
    sql: `
      -- The dialog opened last in the chat (from /dialogs, or the last forwarded): /take, /close
      -- and /tpl act on it when they are not a reply to a forwarded message.
      ALTER TABLE telegram_links ADD COLUMN current_dialog_id INTEGER;
      -- For an operator's reply: the bot's "not delivered" message (with the resend button), so a
      -- late delivery can change it.
      ALTER TABLE telegram_messages ADD COLUMN notice_id INTEGER;
    `,
  },
  {
    name: 'telegram: webhook updates kept until handled',
    sql: `
      -- An update Telegram posted to the webhook, kept from the moment it is answered 200 until
      -- it is handled (then deleted with the offset moving past it), so a crash in between does
      -- not lose it: the next start handles what is left, in update_id order.
      CREATE TABLE telegram_pending_updates (
        update_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL
      );
    `,
  },
  {
    name: 'messages: no index by rev',
    sql: `
      -- Resuming reads a dialog's changed messages through its (dialog_id, seq) index instead: a
      -- dialog holds tens or hundreds of messages. The rev index cost every message a page more
      -- in each of its two commits (stored, delivered), and its upkeep in both statements.
      DROP INDEX messages_by_rev;
    `,
  },
  {
    name: 'credentials: never used is null',
    sql: `
      -- A credential was written as last used when it was made, so a token that was never used
      -- showed its creation time under LAST USED. Idle expiry counts from created_at instead.
      UPDATE credentials SET last_used_at = NULL WHERE last_used_at = created_at;
    `,
  },
  {
    name: 'telegram: forwards owed to linked chats, who has each forwarded dialog',
    sql: `
      -- What a linked chat still owes: a visitor message to forward to it. Written when the bridge
      -- sees the message, deleted once Telegram confirmed each of its posts (its parts, then its
      -- files) or the chat was told it may be missing; a start resumes what is left, in order.
      -- posted: the posts confirmed so far; first_post: the Telegram message the files answer;
      -- sending: 1 while a post is with Telegram unanswered (after a crash, its fate is unknown).
      CREATE TABLE telegram_forwards (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        posted INTEGER NOT NULL DEFAULT 0,
        first_post INTEGER,
        sending INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, message_id)
      );
      -- The last message (messages.id) whose forwards were written down: later visitor messages
      -- are still to be looked at. NULL until the bridge first runs (it starts from the newest).
      ALTER TABLE telegram_state ADD COLUMN forwards_through INTEGER;
      -- A forwarded dialog's assignee as the bridge last knew it, so the chats that got the
      -- dialog hear once when it changes hands.
      CREATE TABLE telegram_dialogs (
        dialog_id INTEGER PRIMARY KEY REFERENCES dialogs(id) ON DELETE CASCADE,
        assignee_id INTEGER
      );
    `,
  },
  {
    name: 'visitors: the page they write from',
    sql: `
      -- page_url, page_title, referrer and utm keep where the visit that brought the first
      -- message began (the lead journal's landing page); these follow the visitor: the page of
      -- their latest message that said one, which operators see on the client card.
      ALTER TABLE visitors ADD COLUMN current_url TEXT;
      ALTER TABLE visitors ADD COLUMN current_title TEXT;
    `,
  },
  {
    name: 'visitors: stored when they first write',
    sql: `
      -- A widget's hello stored a visitor for every new browser (and every page view of a
      -- browser without storage: crawlers, scripts); now the first message or file does. The
      -- rows of those who never wrote hold nothing but a generated name: their widgets keep
      -- their tokens (a token nobody wrote with is kept as it is). Files are looked up by their
      -- visitor when one is deleted, so they get an index first.
      CREATE INDEX attachments_by_visitor ON attachments(visitor_id);
      DELETE FROM visitors
      WHERE id NOT IN (SELECT visitor_id FROM dialogs) AND id NOT IN (SELECT visitor_id FROM attachments);
    `,
  },
  {
    name: 'dialogs: by lead class',
    sql: `
      -- Class names match whatever their case ("spam" is "Spam"), and SQLite's lower() folds only
      -- ASCII, so the lead journal finds the spellings dialogs carry in JavaScript: this index lets
      -- it walk from one distinct spelling to the next instead of reading every dialog.
      CREATE INDEX dialogs_by_lead_class ON dialogs(project_id, lead_class);
    `,
  },
  {
    name: 'attachments: unused files expire; a daily upload budget per visitor',
    sql: `
      -- A file no message carries is removed once expires_at has passed (services/attachments.ts);
      -- NULL once a message carries it. Files from before: those messages carry are kept, the
      -- others get the hour from their upload that new ones get.
      ALTER TABLE attachments ADD COLUMN expires_at INTEGER;
      UPDATE attachments SET expires_at = created_at + 3600000
      WHERE id NOT IN (
        SELECT json_extract(j.value, '$.id') FROM messages m, json_each(m.attachments) j
        WHERE m.attachments IS NOT NULL AND json_valid(m.attachments)
      );
      CREATE INDEX attachments_expiring ON attachments(expires_at) WHERE expires_at IS NOT NULL;

      -- What each visitor has uploaded since their current day began: kept apart from the files,
      -- so that the removal of unused ones gives no budget back.
      CREATE TABLE upload_budgets (
        visitor_id INTEGER PRIMARY KEY REFERENCES visitors(id) ON DELETE CASCADE,
        since INTEGER NOT NULL,
        bytes INTEGER NOT NULL
      );
    `,
  },
  {
    name: 'login failures: the client address in a column of its own',
    sql: `
      -- A failed sign-in is counted for the account (address NULL) and for the account from
      -- the client's address. The second was stored as "email address" in the email column;
      -- those rows are split, so that a lock in force stays in force across the upgrade.
      ALTER TABLE login_failures ADD COLUMN address TEXT;
      UPDATE login_failures
      SET email = substr(email, 1, instr(email, ' ') - 1), address = substr(email, instr(email, ' ') + 1)
      WHERE instr(email, ' ') > 0;
      DROP INDEX login_failures_by_email;
      CREATE INDEX login_failures_by_account ON login_failures(email, address, at);
    `,
  },
  {
    name: 'visitors: by name',
    sql: `
      -- A new visitor's name is one no open dialog of the project has (services/names.ts): a
      -- lookup of a few names per page view of a new visitor, not a scan of the open dialogs.
      CREATE INDEX IF NOT EXISTS visitors_by_name ON visitors(project_id, name);
    `,
  },
  {
    name: 'visitors: the card fields operators set',
    sql: `
      -- The client card's real name, phone and email an operator has set by hand (bits 1, 2 and 4):
      -- what a site says of its visitor (the widget's identify, unverified) leaves those alone.
      -- Until now only operators set them.
      ALTER TABLE visitors ADD COLUMN card_by_operator INTEGER NOT NULL DEFAULT 0;
      UPDATE visitors SET card_by_operator = (real_name IS NOT NULL) | ((phone IS NOT NULL) << 1) | ((email IS NOT NULL) << 2);
    `,
  },
  {
    name: 'API tokens: limited to one project',
    sql: `
      -- An API token made with --project works in that project alone (services/accounts.ts,
      -- Auth.project); NULL (sessions, and every token made before) is every project of its owner.
      -- Deleting the project deletes its tokens: the id of a deleted project may be given to the
      -- next one (INTEGER PRIMARY KEY), and a token left behind would open that one.
      ALTER TABLE credentials ADD COLUMN project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE;
      CREATE INDEX credentials_by_project ON credentials(project_id);
    `,
  },
  {
    name: 'messages: private notes',
    sql: `
      -- 1: a private note, an operator's words for the team in the dialog's thread, which the
      -- visitor's widget is never given and no ack marks delivered (db/dialogs.ts). Every message
      -- from before is one the visitor was meant to see.
      ALTER TABLE messages ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
