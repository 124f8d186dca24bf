//! The `sqlite` sink: round trip, upserts, dead letters, WAL, whole runs.

mod sql_support;

use newsflow_core::{
    Article, Batch, BuildContext, DeadLetter, Mention, Record, Sink, SinkConfig, SinkErrorKind,
    TextField,
};
use newsflow_stages::sinks::schema::SQLITE_TABLES;
use newsflow_stages::sinks::sqlite::{load_article, open, SqliteConfig};
use rusqlite::Connection;
use sql_support::{plain_article, records, rich_article, run_pipeline, toml_str, write_articles};
use std::path::Path;

fn sink(path: &Path) -> Box<dyn Sink> {
    let config = SqliteConfig {
        path: path.to_owned(),
    };
    config
        .build(&BuildContext::new(
            newsflow_core::StageKey::sink("db"),
            path.parent().unwrap(),
        ))
        .unwrap()
}

async fn write(sink: &mut dyn Sink, records: &[Record]) {
    sink.write_batch(&Batch::from(records.to_vec()))
        .await
        .unwrap();
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn an_article_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db/news.sqlite");
    let mut sink = sink(&path);
    let rich = rich_article("rich");
    let mut plain = plain_article();
    plain.figures = Some(Vec::new());
    write(sink.as_mut(), &records(&[&rich, &plain])).await;

    let conn = open(&path).unwrap();
    let back = load_article(&conn, "rich").unwrap().unwrap();
    assert_eq!(back, rich);
    // Equal as JSON too: the offset (+02:00) and the field order survive.
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&rich).unwrap()
    );
    let back = load_article(&conn, "plain").unwrap().unwrap();
    assert_eq!(back, plain);
    assert_eq!(back.entities, None, "no entity pass is not an empty one");
    assert_eq!(back.figures, Some(Vec::new()));
    assert!(load_article(&conn, "absent").unwrap().is_none());
}

/// SQLite keeps what PostgreSQL cannot (U+0000), and large bodies whole.
#[tokio::test]
async fn nul_characters_and_a_large_body_survive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut sink = sink(&path);
    let mut nul = rich_article("nul\u{0}id");
    nul.body = "before\u{0}after \u{202e}RTL\u{0301}".into();
    let large = Article::from_text("large", "word ".repeat(2_000_000)).unwrap();
    let records = [Record::Article(nul.clone()), Record::Article(large.clone())];
    write(sink.as_mut(), &records).await;
    let conn = open(&path).unwrap();
    assert_eq!(load_article(&conn, &nul.id).unwrap().unwrap(), nul);
    assert_eq!(load_article(&conn, "large").unwrap().unwrap(), large);
}

#[tokio::test]
async fn writing_an_article_again_replaces_it_and_its_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut sink = sink(&path);
    let first = rich_article("a");
    write(sink.as_mut(), &[Record::Article(first.clone())]).await;
    write(sink.as_mut(), &[Record::Article(first.clone())]).await;

    let mut second = first.clone();
    second.body = "Rewritten.".into();
    second.entities.as_mut().unwrap().truncate(1);
    second.entities.as_mut().unwrap()[0].mentions.truncate(1);
    second.figures = None;
    // In one batch, the later copy wins.
    write(
        sink.as_mut(),
        &[Record::Article(first), Record::Article(second.clone())],
    )
    .await;

    let conn = open(&path).unwrap();
    assert_eq!(count(&conn, "articles"), 1);
    assert_eq!(count(&conn, "entities"), 1);
    assert_eq!(count(&conn, "mentions"), 1);
    assert_eq!(count(&conn, "figures"), 0);
    assert_eq!(load_article(&conn, "a").unwrap().unwrap(), second);
    let (ingested, updated): (String, String) = conn
        .query_row("SELECT ingested_at, updated_at FROM articles", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(ingested <= updated, "{ingested} {updated}");
}

#[tokio::test]
async fn the_database_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    drop(sink(&path));
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_dead_letter_is_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut sink = sink(&path);
    let letter = DeadLetter::from_bytes("inbox", Some("a.jsonl:3".into()), "not JSON", b"{oops");
    let binary = DeadLetter::from_bytes("inbox", None, "not UTF-8", &[0xff, 0x00, b'x']);
    let mut elsewhere = letter.clone();
    elsewhere.location = Some("a.jsonl:9".into());
    let records = [
        Record::DeadLetter(letter.clone()),
        Record::DeadLetter(binary.clone()),
    ];
    write(sink.as_mut(), &records).await;
    write(sink.as_mut(), &records).await;
    write(sink.as_mut(), &[Record::DeadLetter(elsewhere)]).await;

    let conn = open(&path).unwrap();
    assert_eq!(count(&conn, "dead_letters"), 3);
    let (raw, encoding): (String, String) = conn
        .query_row(
            "SELECT raw, raw_encoding FROM dead_letters WHERE location IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((raw, encoding), (binary.raw, "base64".to_owned()));
}

#[tokio::test]
async fn a_failed_flush_drops_the_batch_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut sink = sink(&path);
    // Another connection holds the write lock past the busy timeout.
    let blocker = Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = sink
        .write_batch(&Batch::from(vec![Record::Article(rich_article("a"))]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, SinkErrorKind::Retryable, "{}", err.message);
    blocker.execute_batch("ROLLBACK").unwrap();
    // The runtime passes the batch again; nothing is doubled.
    write(sink.as_mut(), &[Record::Article(rich_article("a"))]).await;
    let conn = open(&path).unwrap();
    assert_eq!(count(&conn, "articles"), 1);
    assert_eq!(count(&conn, "mentions"), 3);
}

/// A whole pipeline replayed twice over the same input, with malformed input
/// and the dead-letter sink in the same database: one copy of everything.
#[tokio::test]
async fn a_replayed_run_stores_one_copy() {
    const ARTICLES: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write_articles(&input.join("articles.jsonl"), "art-", ARTICLES);
    std::fs::write(input.join("broken.json"), "{\"id\": \"x\", \"body\": ").unwrap();
    std::fs::write(input.join("no-id.json"), "{\"body\": \"text\"}").unwrap();
    let db = dir.path().join("out/news.sqlite");
    let config = format!(
        "[runtime]\nstate_dir = {state}\nchannel_capacity = 16\n\
         [sources.inbox]\ntype = \"dir\"\npath = {input}\n\
         [sinks.db]\ntype = \"sqlite\"\ninputs = [\"inbox\"]\npath = {db}\nbatch_size = 32\nflush_interval_ms = 50\n\
         [dead_letter]\ntype = \"sqlite\"\npath = {db}\n",
        state = toml_str(dir.path().join("state").to_string_lossy()),
        input = toml_str(input.to_string_lossy()),
        db = toml_str(db.to_string_lossy()),
    );
    for _ in 0..2 {
        let report = run_pipeline(dir.path(), &config).await;
        assert!(report.is_clean(), "{:?}", report.errors);
        let conn = open(&db).unwrap();
        assert_eq!(count(&conn, "articles"), ARTICLES as i64);
        assert_eq!(count(&conn, "entities"), 2 * ARTICLES as i64);
        assert_eq!(count(&conn, "mentions"), 3 * ARTICLES as i64);
        assert_eq!(count(&conn, "figures"), 3 * ARTICLES as i64);
        assert_eq!(count(&conn, "dead_letters"), 2);
    }
    let conn = open(&db).unwrap();
    assert_eq!(
        load_article(&conn, "art-00042").unwrap().unwrap(),
        rich_article("art-00042")
    );
}

/// An id of 100 kB (random, so it does not compress) is stored as an
/// article and as a dead letter.
#[tokio::test]
async fn a_100_kb_id_is_stored_as_an_article_and_as_a_dead_letter() {
    use rand::Rng;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut sink = sink(&path);
    let id: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(100_000)
        .map(char::from)
        .collect();
    // Longer than sources let through: the sink stores whatever it is given.
    let mut article = rich_article("long");
    article.id = id.clone();
    let letter = DeadLetter::for_article("sinks.hook", "refused by the webhook", &article);
    let records = [Record::Article(article.clone()), Record::DeadLetter(letter)];
    write(sink.as_mut(), &records).await;
    write(sink.as_mut(), &records).await;
    let conn = open(&path).unwrap();
    assert_eq!(count(&conn, "articles"), 1);
    assert_eq!(count(&conn, "dead_letters"), 1);
    assert_eq!(load_article(&conn, &id).unwrap().unwrap(), article);
}

/// Tables dropped behind the sink's back are created again at the next
/// start, though `schema_version` says current.
#[tokio::test]
async fn dropped_tables_are_created_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    write(sink(&path).as_mut(), &[Record::Article(rich_article("a"))]).await;
    Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE mentions; DROP TABLE entities; DROP TABLE articles")
        .unwrap();
    write(sink(&path).as_mut(), &[Record::Article(rich_article("b"))]).await;
    let conn = open(&path).unwrap();
    assert_eq!(count(&conn, "articles"), 1);
    assert_eq!(
        load_article(&conn, "b").unwrap().unwrap(),
        rich_article("b")
    );
}

/// A record the database refuses (here by a trigger a DBA added) is
/// dead-lettered alone; the rest of its batch is stored.
#[tokio::test]
async fn one_refused_article_in_a_batch_is_the_only_one_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write_articles(&input.join("articles.jsonl"), "art-", 10);
    let db = dir.path().join("news.sqlite");
    open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON articles WHEN NEW.id = 'art-00004'
             BEGIN SELECT RAISE(ABORT, 'art-00004 is embargoed'); END",
        )
        .unwrap();
    let dead = dir.path().join("dead.jsonl");
    let config = format!(
        "[runtime]\nstate_dir = {state}\n\
         [sources.inbox]\ntype = \"dir\"\npath = {input}\n\
         [sinks.db]\ntype = \"sqlite\"\ninputs = [\"inbox\"]\npath = {db}\nbatch_size = 10\nflush_interval_ms = 600000\n\
         [dead_letter]\ntype = \"jsonl\"\npath = {dead}\n",
        state = toml_str(dir.path().join("state").to_string_lossy()),
        input = toml_str(input.to_string_lossy()),
        db = toml_str(db.to_string_lossy()),
        dead = toml_str(dead.to_string_lossy()),
    );
    let report = run_pipeline(dir.path(), &config).await;
    assert!(report.is_clean(), "{:?}", report.errors);
    let conn = open(&db).unwrap();
    assert_eq!(count(&conn, "articles"), 9);
    let letters: Vec<serde_json::Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(letters.len(), 1, "{letters:#?}");
    assert_eq!(letters[0]["article_id"], "art-00004");
    let reason = letters[0]["reason"].as_str().unwrap();
    assert!(reason.contains("embargoed"), "{reason}");
}

/// A database made by an older newsflow (figures without the range, ratio,
/// score and base-unit columns) is upgraded in place: its rows stay, and
/// new figures keep every field.
#[tokio::test]
async fn a_version_1_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        // Version 1's layout: today's, less the columns version 2 adds.
        let mut v1 = SQLITE_TABLES.to_owned();
        for column in [
            "value_low REAL",
            "value_high REAL",
            "value_of REAL",
            "value_against REAL",
            "base_value REAL",
            "base_unit TEXT",
        ] {
            let line = format!("    {column},\n");
            assert!(v1.contains(&line), "{column} is in the layout");
            v1 = v1.replace(&line, "");
        }
        // Less version 3's too.
        assert!(v1.contains("    field TEXT,\n"));
        v1 = v1.replace("    field TEXT,\n", "");
        conn.execute_batch(&v1).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);
             INSERT INTO schema_version (version) VALUES (1);
             INSERT INTO articles (id, body, figure_count) VALUES ('old', '12 people.', 1);
             INSERT INTO figures VALUES ('old', 0, '12', 0, 2, 12, NULL, 'count', NULL,
                 'exact', NULL, 'people');",
        )
        .unwrap();
    }
    let rich = rich_article("new");
    write(sink(&path).as_mut(), &[Record::Article(rich.clone())]).await;
    let conn = Connection::open(&path).unwrap();
    assert_eq!(load_article(&conn, "new").unwrap().unwrap(), rich);
    let old = load_article(&conn, "old").unwrap().unwrap();
    let figures = old.figures.unwrap();
    assert_eq!(
        (figures.len(), figures[0].subject.as_deref()),
        (1, Some("people"))
    );
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2, 3]);
}

/// A mention found in the title keeps its field (and its offsets into the
/// title) through the database.
#[tokio::test]
async fn a_title_mention_reads_back_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("news.sqlite");
    let mut article = rich_article("titled");
    let entities = article.entities.as_mut().unwrap();
    entities[0].mentions.push(Mention {
        text: "Erdoğan".into(),
        start: 0,
        end: 7,
        field: TextField::Title,
    });
    article.title = Some("Erdoğan in Doha".into());
    write(sink(&path).as_mut(), &[Record::Article(article.clone())]).await;
    let conn = open(&path).unwrap();
    let back = load_article(&conn, "titled").unwrap().unwrap();
    assert_eq!(back, article);
    let json = serde_json::to_value(&back).unwrap();
    assert_eq!(json["entities"][0]["mentions"][2]["field"], "title");
    assert!(json["entities"][0]["mentions"][0].get("field").is_none());
}
