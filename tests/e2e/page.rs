//! The daemon's page in a real browser: Debian's chromium, driven through
//! chromedriver. Skips with the reason printed when either is missing,
//! unless `NEWSFLOW_REQUIRE_SERVICES=1`, when it fails.

use crate::support::observe::{Observed, TOKEN};
use crate::{free_port, stop};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromium and chromedriver, when both are installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = PathBuf::from("/usr/bin/chromium");
    let driver = PathBuf::from("/usr/bin/chromedriver");
    if chromium.exists() && driver.exists() {
        return Some((chromium, driver));
    }
    crate::service_missing(
        "a browser",
        "chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
    );
    None
}

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `script` in the page until it returns something truthy (30 s at most).
async fn wait_for(client: &Client, what: &str, script: &str) -> Value {
    let started = Instant::now();
    loop {
        let value = client.execute(script, vec![]).await.unwrap();
        if !matches!(&value, Value::Null | Value::Bool(false)) {
            return value;
        }
        let page = client.source().await.unwrap_or_default();
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: not within 30 s; the page:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Where screenshots go: `NEWSFLOW_SCREENSHOT_DIR` (to refresh docs/), or
/// the target directory.
fn screenshot_dir() -> PathBuf {
    std::env::var_os("NEWSFLOW_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")))
}

async fn save_screenshot(client: &Client, path: &Path) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

#[test]
fn the_page_shows_the_pipeline_and_a_seed_article_highlighted() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let observed = Observed::start();
    observed.push_seeds(&["seed-001"]);
    let api = &observed.api;

    let port = free_port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut capabilities = serde_json::Map::new();
        let args = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1200,720",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        capabilities.insert("goog:chromeOptions".into(), json!({"binary": chromium, "args": args}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    eprintln!("waiting for chromedriver: {e}");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(e) => panic!("chromedriver did not start a browser: {e}"),
            }
        };
        client.goto(&format!("http://{api}/?token={TOKEN}")).await.unwrap();

        // The pipeline view: every stage drawn, with the seed counted through.
        let counts = wait_for(&client, "the sink counted the seed", r##"
            const t = document.getElementById("node-sinks.out")?.querySelector(".counts")?.textContent;
            return t && t.startsWith("1 in · 1 out") ? t : null;"##).await;
        assert!(counts.as_str().unwrap().contains("ready"), "{counts}");
        for key in ["sources.push", "transforms.enrich", "dead_letter"] {
            let found = client.execute(&format!("return !!document.getElementById('node-{key}')"), vec![]).await.unwrap();
            assert_eq!(found, true, "{key} not drawn");
        }
        let state = client.find(Locator::Id("state")).await.unwrap().text().await.unwrap();
        assert!(state.starts_with("ready"), "{state}");
        save_screenshot(&client, &screenshot_dir().join("pipeline.png")).await;

        // The articles view: the seed, opened, with its entities and figures marked.
        client.find(Locator::Css("nav button[data-view=articles]")).await.unwrap().click().await.unwrap();
        let item = wait_for(&client, "the seed in the list", "return document.querySelector('#list li')?.textContent").await;
        assert!(item.as_str().unwrap().contains("seed-001"), "{item}");
        client.find(Locator::Css("#list li")).await.unwrap().click().await.unwrap();
        let person = wait_for(&client, "Erdoğan marked", r##"
            const m = [...document.querySelectorAll("#doc .body mark.ent")].find(m => m.textContent === "Recep Tayyip Erdoğan");
            return m && [m.dataset.type, m.title, getComputedStyle(m).backgroundColor];"##).await;
        assert_eq!(person[0], "PER", "{person}");
        let confidence = person[1].as_str().unwrap().strip_prefix("Recep Tayyip Erdoğan · PER · confidence ");
        let confidence: f64 = confidence.and_then(|c| c.parse().ok()).unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&confidence), "{person}");
        assert_ne!(person[2], "rgba(0, 0, 0, 0)", "not highlighted: {person}");
        let figure = wait_for(&client, "the death toll marked", r##"
            const m = [...document.querySelectorAll("#doc .body mark.fig")].find(m => m.textContent === "at least 34,049");
            return m && [m.dataset.kind, m.dataset.event, m.title];"##).await;
        assert_eq!((figure[0].as_str(), figure[1].as_str()), (Some("count"), Some("killed")), "{figure}");
        assert!(figure[2].as_str().unwrap().contains("value 34049 · kind count · qualifier at_least · event killed"), "{figure}");
        // Title mentions are marked in the title, by their own offsets.
        let title = client.execute(r##"
            const m = [...document.querySelectorAll("#doc h2 mark.ent")].find(m => m.textContent === "Erdoğan");
            return m ? m.dataset.name + " " + m.dataset.type : null;"##, vec![]).await.unwrap();
        assert_eq!(title, "Recep Tayyip Erdoğan PER");
        let side = client.find(Locator::Id("side")).await.unwrap().text().await.unwrap();
        assert!(side.contains("PER (") && side.contains("Recep Tayyip Erdoğan"), "{side}");
        // Filtering by a type the article lacks empties the list; by PER keeps it.
        client.execute("const s = document.getElementById('f-kind'); s.value = 'count'; s.oninput();", vec![]).await.unwrap();
        let kept = client.execute("return document.querySelectorAll('#list li').length", vec![]).await.unwrap();
        assert_eq!(kept, 1);
        client.execute("const n = document.getElementById('f-name'); n.value = 'no such name'; n.oninput();", vec![]).await.unwrap();
        let kept = client.execute("return document.querySelectorAll('#list li').length", vec![]).await.unwrap();
        assert_eq!(kept, 0);
        client.execute("for (const id of ['f-name', 'f-kind']) { const f = document.getElementById(id); f.value = ''; f.oninput(); }", vec![]).await.unwrap();
        save_screenshot(&client, &screenshot_dir().join("page.png")).await;
        client.close().await.unwrap();
    });
    stop(observed.daemon);
}
