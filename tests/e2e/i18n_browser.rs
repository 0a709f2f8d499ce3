//! The source interface in all eleven languages, in a real browser with JavaScript off: headless
//! Chromium over WebDriver walks the landing page, the codename page, the home page and the login
//! page in each language, at 1280 px and at 320 px, and keeps every page as a screenshot under
//! `target/screenshots/<lang>/i18n-NN-<page>.png` (the `i18n-` prefix keeps them apart from the
//! English and Russian walk in `browser.rs`, which empties its own folders).
//!
//! Checked on every page: `lang` and `dir` of the document, no horizontal overflow at 320 px, and
//! for Persian and Arabic that the layout really is right to left (the submit button sits on the
//! right half of the column, on the left half in the other languages).
//!
//! The WebDriver setup is a minimal copy of `browser.rs`'s (its helpers are private there).
//! Chromium and chromedriver must be installed (`apt-get install chromium chromium-driver`).

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::support::{Reviewer, Server, free_port};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// (URL code, `lang` attribute, right to left).
const LANGS: [(&str, &str, bool); 11] = [
    ("en", "en", false),
    ("ru", "ru", false),
    ("uk", "uk", false),
    ("be", "be", false),
    ("fa", "fa", true),
    ("ar", "ar", true),
    ("zh", "zh-CN", false),
    ("tr", "tr", false),
    ("es", "es", false),
    ("fr", "fr", false),
    ("de", "de", false),
];

const WIDE: u32 = 1280;
const NARROW: u32 = 320;

struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(dir: &Path) -> Driver {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(Path::new(path).exists(), "{path} is not installed");
        }
        let port = free_port();
        let home = dir.join("home");
        fs::create_dir_all(&home).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let d = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    async fn session(&self, profile: &Path) -> Client {
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--lang=en-US",
                    format!("--window-size={WIDE},800"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "profile.managed_default_content_settings.javascript": 2,
                    "profile.default_content_setting_values.javascript": 2,
                },
            },
        });
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = s.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `<target>/screenshots/<lang>`, with this walk's earlier screenshots removed (only those).
fn shots_dir(lang: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => {
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().nth(3).unwrap().to_path_buf()
        }
    };
    let dir = target.join("screenshots").join(lang);
    fs::create_dir_all(&dir).unwrap();
    for e in fs::read_dir(&dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("i18n-") {
            let _ = fs::remove_file(e.path());
        }
    }
    dir
}

struct Tab<'a> {
    c: &'a Client,
    base: String,
    shots: PathBuf,
    n: u32,
}

impl Tab<'_> {
    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.c.find(Locator::Css("footer.site")).await.unwrap();
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    async fn numbers(&self, script: &str) -> Vec<f64> {
        let v = self.c.execute(script, vec![]).await.unwrap();
        v.as_array()
            .unwrap_or_else(|| panic!("{script} gave {v}"))
            .iter()
            .map(|n| n.as_f64().unwrap())
            .collect()
    }

    async fn click_to(&self, css: &str, path: &str) {
        let e = self.c.find(Locator::Css(css)).await.unwrap();
        e.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.path().await != path {
            assert!(Instant::now() < deadline, "{css} did not lead to {path}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.c.find(Locator::Css("footer.site")).await.unwrap();
    }

    /// `lang` and `dir` of the page, no sideways scrolling, and a full-page screenshot.
    async fn check(&mut self, name: &str, lang: &str, rtl: bool) {
        let html = self.c.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(lang));
        let dir = html.attr("dir").await.unwrap();
        assert_eq!(
            dir.as_deref(),
            Some(if rtl { "rtl" } else { "ltr" }),
            "{name}"
        );
        let v = self
            .numbers(
                "return [document.documentElement.scrollWidth, \
                 document.documentElement.clientWidth, \
                 document.documentElement.scrollHeight, window.innerHeight]",
            )
            .await;
        assert!(
            v[0] <= v[1],
            "{lang} {name}: {} px wide in a {} px window",
            v[0],
            v[1]
        );
        self.n += 1;
        let (w, h) = self.c.get_window_size().await.unwrap();
        let (w, h) = (u32::try_from(w).unwrap(), u32::try_from(h).unwrap());
        let taller = (v[2] - v[3]).max(0.0) as u32;
        if taller > 0 {
            self.c.set_window_size(w, h + taller).await.unwrap();
        }
        let png = self.c.screenshot().await.unwrap();
        if taller > 0 {
            self.c.set_window_size(w, h).await.unwrap();
        }
        assert_eq!(png.get(..4), Some(&b"\x89PNG"[..]));
        fs::write(
            self.shots.join(format!("i18n-{:02}-{name}.png", self.n)),
            png,
        )
        .unwrap();
    }

    /// The centre of `css` relative to the centre of `main`: negative on the left.
    async fn offset_from_centre(&self, css: &str) -> f64 {
        let v = self
            .numbers(&format!(
                "const b = document.querySelector({css:?}).getBoundingClientRect(); \
                 const m = document.querySelector('main').getBoundingClientRect(); \
                 return [b.left + b.width / 2 - (m.left + m.width / 2)];"
            ))
            .await;
        v[0]
    }
}

async fn walk(c: &Client, port: u16, code: &str, lang: &str, rtl: bool) {
    let mut t = Tab {
        c,
        base: format!("http://127.0.0.1:{port}"),
        shots: shots_dir(code),
        n: 0,
    };
    for width in [WIDE, NARROW] {
        c.set_window_size(width, 800).await.unwrap();
        let w = if width == WIDE { "1280" } else { "320" };
        t.goto(&format!("/{code}/")).await;
        t.check(&format!("landing-{w}"), lang, rtl).await;
        t.click_to(
            &format!("form[action='/{code}/generate'] button"),
            &format!("/{code}/generate"),
        )
        .await;
        t.check(&format!("codename-{w}"), lang, rtl).await;
        // The codename reads left to right in every language.
        let p = c.find(Locator::Css("p.codename")).await.unwrap();
        assert_eq!(p.attr("dir").await.unwrap().as_deref(), Some("ltr"));
        assert_eq!(p.attr("lang").await.unwrap().as_deref(), Some("en"));
        t.click_to(
            &format!("a.button[href='/{code}/home']"),
            &format!("/{code}/home"),
        )
        .await;
        t.check(&format!("home-{w}"), lang, rtl).await;
        if width == WIDE {
            // Mirrored: the submit button starts at the right in Persian and Arabic.
            let x = t
                .offset_from_centre(&format!("form[action='/{code}/submit'] button"))
                .await;
            if rtl {
                assert!(
                    x > 0.0,
                    "{code}: the submit button is not on the right ({x})"
                );
            } else {
                assert!(
                    x < 0.0,
                    "{code}: the submit button is not on the left ({x})"
                );
            }
        }
        t.click_to("section.logout button", &format!("/{code}/logout"))
            .await;
        t.check(&format!("logged-out-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/login")).await;
        t.check(&format!("login-{w}"), lang, rtl).await;
    }
}

#[test]
fn the_source_pages_in_eleven_languages_with_javascript_off() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |config| {
        config.replace("cookie_secure = true", "cookie_secure = false")
    });
    let tmp = tempfile::tempdir().unwrap();
    let driver = Driver::start(tmp.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = driver.session(&tmp.path().join("profile")).await;
        for (code, lang, rtl) in LANGS {
            walk(&c, server.port, code, lang, rtl).await;
        }
        c.close().await.unwrap();
    });
}
