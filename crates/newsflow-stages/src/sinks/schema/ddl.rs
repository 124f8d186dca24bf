//! The tables in SQL: each dialect's current layout, and the migrations
//! that bring an older database up to it.

use super::Migration;

// The columns several statements below repeat, written once: each
// migration's text stays what it was when it shipped.

// The SQLite `figures` columns of version 1 (before version 2).
macro_rules! sqlite_figures_columns_v1 {
    () => {
        r#"    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    value_number REAL,
    value_text TEXT,
    kind TEXT NOT NULL,
    unit TEXT,
    qualifier TEXT NOT NULL,
    event TEXT,
    subject TEXT,
"#
    };
}

// The SQLite `figures` columns version 2 added.
macro_rules! sqlite_figures_columns_v2 {
    () => {
        r#"    value_low REAL,
    value_high REAL,
    value_of REAL,
    value_against REAL,
    base_value REAL,
    base_unit TEXT,
"#
    };
}

// The SQLite `mentions` columns of version 1 (before version 3).
macro_rules! sqlite_mentions_columns_v1 {
    () => {
        r#"    article_id TEXT NOT NULL,
    entity_idx INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
"#
    };
}

// The `mentions` keys, the same in both dialects (PostgreSQL dropped them in version 2).
macro_rules! mentions_keys {
    () => {
        r#"    PRIMARY KEY (article_id, entity_idx, idx),
    FOREIGN KEY (article_id, entity_idx) REFERENCES entities (article_id, idx) ON DELETE CASCADE
"#
    };
}

// The SQLite `mentions` columns and keys since version 3.
macro_rules! sqlite_mentions_table_v3 {
    () => {
        concat!(
            sqlite_mentions_columns_v1!(),
            "    field TEXT,\n",
            mentions_keys!()
        )
    };
}

// The PostgreSQL `articles` columns after `id`.
macro_rules! postgres_articles_columns {
    () => {
        r#"    title text,
    url text,
    published_at timestamptz,
    published_at_offset integer,
    source text,
    language text,
    metadata jsonb,
    body text NOT NULL,
    extra jsonb NOT NULL DEFAULT '{}',
    entity_count bigint,
    figure_count bigint,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"#
    };
}

// The PostgreSQL `dead_letters` columns and the closing of its table.
macro_rules! postgres_dead_letters_columns {
    () => {
        r#"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stage text NOT NULL,
    location text,
    reason text NOT NULL,
    article_id text,
    raw text NOT NULL,
    raw_encoding text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
"#
    };
}

// The PostgreSQL dead-letter identity index, after `CREATE UNIQUE INDEX [IF NOT EXISTS] `.
macro_rules! postgres_dead_letters_identity {
    () => {
        r#"dead_letters_identity
    ON dead_letters (md5(stage), md5(coalesce(location, '')), md5(reason), md5(raw));
"#
    };
}

// The PostgreSQL `figures` columns of version 1 after `article_id` (no trailing comma).
macro_rules! postgres_figures_columns_v1 {
    () => {
        r#"    idx integer NOT NULL,
    text text NOT NULL,
    start_offset bigint NOT NULL,
    end_offset bigint NOT NULL,
    value_number double precision,
    value_text text,
    kind text NOT NULL,
    unit text,
    qualifier text NOT NULL,
    event text,
    subject text"#
    };
}

// The PostgreSQL `mentions` columns of version 1 after `article_id` (no trailing comma).
macro_rules! postgres_mentions_columns_v1 {
    () => {
        r#"    entity_idx integer NOT NULL,
    idx integer NOT NULL,
    text text NOT NULL,
    start_offset bigint NOT NULL,
    end_offset bigint NOT NULL"#
    };
}

/// The SQLite layout: every table and index, created when missing.
/// Timestamps are RFC 3339 text in UTC with nine fraction digits, so they
/// sort as text; JSON columns are text checked by `json_valid`. SQLite has
/// no limit on key sizes.
pub const SQLITE_TABLES: &str = concat!(
    r#"
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT,
    url TEXT,
    published_at TEXT,
    published_at_offset INTEGER,
    source TEXT,
    language TEXT,
    metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    body TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
    entity_count INTEGER,
    figure_count INTEGER,
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at);
CREATE TABLE IF NOT EXISTS entities (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    confidence REAL,
    PRIMARY KEY (article_id, idx)
);
CREATE INDEX IF NOT EXISTS entities_name ON entities (name, type);
CREATE TABLE IF NOT EXISTS mentions (
"#,
    sqlite_mentions_table_v3!(),
    r#");
CREATE TABLE IF NOT EXISTS figures (
"#,
    sqlite_figures_columns_v1!(),
    sqlite_figures_columns_v2!(),
    r#"    PRIMARY KEY (article_id, idx)
);
CREATE INDEX IF NOT EXISTS figures_kind ON figures (kind);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    stage TEXT NOT NULL,
    location TEXT,
    reason TEXT NOT NULL,
    article_id TEXT,
    raw TEXT NOT NULL,
    raw_encoding TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS dead_letters_identity
    ON dead_letters (stage, ifnull(location, ''), reason, raw);
CREATE INDEX IF NOT EXISTS dead_letters_article_id ON dead_letters (article_id);
"#
);

/// SQLite migrations. Version 1 creates the current layout; version 2 gives
/// an older `figures` table the range, ratio, score and base-unit columns,
/// and version 3 an older `mentions` table its `field`, each by rebuilding
/// the table (SQLite cannot add a column only where it is missing), which
/// also passes where the table was dropped.
pub const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: SQLITE_TABLES,
    },
    Migration {
        version: 2,
        sql: concat!(
            r#"
CREATE TABLE IF NOT EXISTS figures (
"#,
            sqlite_figures_columns_v1!(),
            r#"    PRIMARY KEY (article_id, idx)
);
ALTER TABLE figures RENAME TO figures_v1;
CREATE TABLE figures (
"#,
            sqlite_figures_columns_v1!(),
            sqlite_figures_columns_v2!(),
            r#"    PRIMARY KEY (article_id, idx)
);
INSERT INTO figures (article_id, idx, text, start_offset, end_offset, value_number, value_text,
    kind, unit, qualifier, event, subject)
    SELECT article_id, idx, text, start_offset, end_offset, value_number, value_text,
        kind, unit, qualifier, event, subject
    FROM figures_v1;
DROP TABLE figures_v1;
"#
        ),
    },
    // Mentions found in the title (issue 10): `field` is 'title', NULL for
    // the body.
    Migration {
        version: 3,
        sql: concat!(
            r#"
CREATE TABLE IF NOT EXISTS mentions (
"#,
            sqlite_mentions_columns_v1!(),
            mentions_keys!(),
            r#");
ALTER TABLE mentions RENAME TO mentions_v2;
CREATE TABLE mentions (
"#,
            sqlite_mentions_table_v3!(),
            r#");
INSERT INTO mentions (article_id, entity_idx, idx, text, start_offset, end_offset)
    SELECT article_id, entity_idx, idx, text, start_offset, end_offset FROM mentions_v2;
DROP TABLE mentions_v2;
"#
        ),
    },
];

/// The PostgreSQL layout, run with `search_path` set to the sink's schema:
/// every table and index, created when missing. Ids are unique by their md5
/// (the upsert's conflict target) and looked up by hash indexes, which hold
/// any length; the dead-letter identity hashes its text columns likewise.
/// No foreign keys: those need B-tree keys. The sink replaces an article's
/// entities, mentions and figures with it, in one transaction.
pub const POSTGRES_TABLES: &str = concat!(
    r#"
CREATE TABLE IF NOT EXISTS articles (
    id text NOT NULL,
"#,
    postgres_articles_columns!(),
    r#");
CREATE UNIQUE INDEX IF NOT EXISTS articles_id_md5 ON articles (md5(id));
CREATE INDEX IF NOT EXISTS articles_id ON articles USING hash (id);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at);
CREATE TABLE IF NOT EXISTS entities (
    article_id text NOT NULL,
    idx integer NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    confidence double precision
);
CREATE INDEX IF NOT EXISTS entities_article_id ON entities USING hash (article_id);
CREATE INDEX IF NOT EXISTS entities_name ON entities (name, type);
CREATE TABLE IF NOT EXISTS mentions (
    article_id text NOT NULL,
"#,
    postgres_mentions_columns_v1!(),
    r#",
    field text
);
CREATE INDEX IF NOT EXISTS mentions_article_id ON mentions USING hash (article_id);
CREATE TABLE IF NOT EXISTS figures (
    article_id text NOT NULL,
"#,
    postgres_figures_columns_v1!(),
    r#",
    value_low double precision,
    value_high double precision,
    value_of double precision,
    value_against double precision,
    base_value double precision,
    base_unit text
);
CREATE INDEX IF NOT EXISTS figures_article_id ON figures USING hash (article_id);
CREATE INDEX IF NOT EXISTS figures_kind ON figures (kind);
CREATE TABLE IF NOT EXISTS dead_letters (
"#,
    postgres_dead_letters_columns!(),
    "CREATE UNIQUE INDEX IF NOT EXISTS ",
    postgres_dead_letters_identity!(),
    r#"CREATE INDEX IF NOT EXISTS dead_letters_article ON dead_letters USING hash (article_id);
"#
);

/// PostgreSQL migrations, run with `search_path` set to the sink's schema,
/// before [`POSTGRES_TABLES`].
pub const POSTGRES_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: concat!(
            r#"
CREATE TABLE articles (
    id text PRIMARY KEY,
"#,
            postgres_articles_columns!(),
            r#");
CREATE INDEX articles_published_at ON articles (published_at);
CREATE TABLE entities (
    article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx integer NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    confidence double precision,
    PRIMARY KEY (article_id, idx)
);
CREATE INDEX entities_name ON entities (name, type);
CREATE TABLE mentions (
    article_id text NOT NULL,
"#,
            postgres_mentions_columns_v1!(),
            ",\n",
            mentions_keys!(),
            r#");
CREATE TABLE figures (
    article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
"#,
            postgres_figures_columns_v1!(),
            r#",
    PRIMARY KEY (article_id, idx)
);
CREATE INDEX figures_kind ON figures (kind);
CREATE TABLE dead_letters (
"#,
            postgres_dead_letters_columns!(),
            "CREATE UNIQUE INDEX ",
            postgres_dead_letters_identity!(),
            r#"CREATE INDEX dead_letters_article_id ON dead_letters (article_id);
"#
        ),
    },
    // Any id: the B-tree keys on raw ids refused one over about 2.7 kB
    // (SQLSTATE 54000), dead letters included. Their replacements (md5 and
    // hash indexes) are in POSTGRES_TABLES.
    Migration {
        version: 2,
        sql: r#"
ALTER TABLE IF EXISTS mentions
    DROP CONSTRAINT IF EXISTS mentions_article_id_entity_idx_fkey,
    DROP CONSTRAINT IF EXISTS mentions_pkey;
ALTER TABLE IF EXISTS entities
    DROP CONSTRAINT IF EXISTS entities_article_id_fkey,
    DROP CONSTRAINT IF EXISTS entities_pkey;
ALTER TABLE IF EXISTS figures
    DROP CONSTRAINT IF EXISTS figures_article_id_fkey,
    DROP CONSTRAINT IF EXISTS figures_pkey;
ALTER TABLE IF EXISTS articles DROP CONSTRAINT IF EXISTS articles_pkey;
DROP INDEX IF EXISTS dead_letters_article_id;
"#,
    },
    // Ranges, ratios, scores and measures in base units (issue 10).
    Migration {
        version: 3,
        sql: r#"
ALTER TABLE IF EXISTS figures
    ADD COLUMN IF NOT EXISTS value_low double precision,
    ADD COLUMN IF NOT EXISTS value_high double precision,
    ADD COLUMN IF NOT EXISTS value_of double precision,
    ADD COLUMN IF NOT EXISTS value_against double precision,
    ADD COLUMN IF NOT EXISTS base_value double precision,
    ADD COLUMN IF NOT EXISTS base_unit text;
"#,
    },
    // Mentions found in the title (issue 10): `field` is 'title', NULL for
    // the body.
    Migration {
        version: 4,
        sql: r#"
ALTER TABLE IF EXISTS mentions ADD COLUMN IF NOT EXISTS field text;
"#,
    },
];
