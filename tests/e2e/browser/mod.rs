//! A real browser with JavaScript off: headless Chromium, driven over WebDriver (chromedriver),
//! walks the whole source interface in English and in Russian, as a source at Tor Browser's
//! "Safest" level would, then the reviewer checks that exactly what was typed and attached
//! arrived.
//!
//! Every page is kept as a screenshot under `target/screenshots/<lang>/NN-<page>.png`, for a
//! human to look at; the narrow ones (`*-320`) are taken in a 320 px wide window, where the page
//! must not scroll sideways.
//!
//! Chromium and chromedriver must be installed (`apt-get install chromium chromium-driver`);
//! without them the test fails rather than skips. This module is the harness (the languages,
//! chromedriver, a tab that takes screenshots); `walk` is the walk itself, one test per language.

mod walk;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::support::free_port;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const APT_HINT: &str = "apt-get install -y chromium chromium-driver";

/// The window of the main walk, and the narrow one that must not scroll sideways.
pub const WIDE: (u32, u32) = (1024, 800);
pub const NARROW: u32 = 320;

/// What a page says in one language (copied from `locales/*/postern.ftl`, so that a changed
/// translation is noticed).
pub struct Lang {
    pub code: &'static str,
    /// The other language, reached through the language switch.
    pub other: &'static str,
    pub get_codename: &'static str,
    pub codename_title: &'static str,
    pub continue_link: &'static str,
    pub home_heading: &'static str,
    pub home_unknown: &'static str,
    pub submit: &'static str,
    /// `submitted-files-and-message` with two files.
    pub stored_two_files: &'static str,
    pub logged_out_heading: &'static str,
    pub new_identity: &'static str,
    pub link_start: &'static str,
    pub have_codename: &'static str,
    pub login_title: &'static str,
    /// The home heading in the other language.
    pub other_home_heading: &'static str,
    /// A file name in the language's own script.
    pub file_name: &'static str,
    /// The notice after deleting a reply.
    pub reply_deleted: &'static str,
}

pub const EN: Lang = Lang {
    code: "en",
    other: "ru",
    get_codename: "Get a codename",
    codename_title: "Your codename",
    continue_link: "Continue to submit",
    home_heading: "Send documents or a message",
    home_unknown: "Nothing has been sent with this codename yet.",
    submit: "Encrypt and send",
    stored_two_files: "Your message and 2 files were encrypted and stored.",
    logged_out_heading: "You are logged out",
    new_identity: "Tor Browser’s “New Identity”",
    link_start: "Back to the start page",
    have_codename: "I already have a codename",
    login_title: "Log in",
    other_home_heading: "Отправить документы или сообщение",
    file_name: "browser-en-notes.txt",
    reply_deleted: "The reply was deleted.",
};

pub const RU: Lang = Lang {
    code: "ru",
    other: "en",
    get_codename: "Получить кодовое имя",
    codename_title: "Ваше кодовое имя",
    continue_link: "Перейти к отправке",
    home_heading: "Отправить документы или сообщение",
    home_unknown: "С этим кодовым именем ещё ничего не отправляли.",
    submit: "Зашифровать и отправить",
    stored_two_files: "Ваше сообщение и 2 файла зашифрованы и сохранены.",
    logged_out_heading: "Вы вышли",
    new_identity: "функцией «Новая личность» в Tor Browser",
    link_start: "Вернуться на главную страницу",
    have_codename: "У меня уже есть кодовое имя",
    login_title: "Вход",
    other_home_heading: "Send documents or a message",
    file_name: "заметки-ru.txt",
    reply_deleted: "Ответ удалён.",
};

/// A chromedriver on a free loopback port, killed on drop.
pub struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    pub fn start(dir: &Path) -> Driver {
        for (path, what) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromedriver")] {
            assert!(
                Path::new(path).exists(),
                "{what} is not installed at {path}: the browser test needs it ({APT_HINT})"
            );
        }
        let port = free_port();
        let log = dir.join("chromedriver.log");
        // Chromium's crash handler and caches go under `dir`, not the user's home.
        let home = dir.join("home");
        fs::create_dir_all(&home).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e} ({APT_HINT})"));
        let mut d = Driver { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("chromedriver exited with {status}: {}", d.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start: {}",
                d.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A new browser session: headless, offline, a fresh profile, JavaScript off.
    pub async fn session(&self, profile: &Path) -> Client {
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--lang=en-US",
                    format!("--window-size={},{}", WIDE.0, WIDE.1),
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    // As at Tor Browser's "Safest": no script runs in any page.
                    "profile.managed_default_content_settings.javascript": 2,
                    "profile.default_content_setting_values.javascript": 2,
                },
            },
        });
        let caps = caps.as_object().unwrap().clone();
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("starting a Chromium session: {e}\n{}", self.log_text()))
    }
}

impl Drop for Driver {
    /// Asks chromedriver to quit, which closes its browsers too (a test that failed halfway
    /// leaves a session open), then makes sure it is gone.
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

/// `<target>/screenshots`: under CARGO_TARGET_DIR if it is an absolute path, else found from this
/// test binary, which is target/<profile>/deps/e2e-….
pub fn screenshot_root() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => {
            let exe = std::env::current_exe().unwrap();
            exe.parent()
                .unwrap()
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .to_path_buf()
        }
    };
    target.join("screenshots")
}

/// Where one language's screenshots go, emptied first.
pub fn screenshot_dir(lang: &str) -> PathBuf {
    let dir = screenshot_root().join(lang);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(png.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]), "not a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// One browser tab, with the numbered screenshots of its walk.
pub struct Tab<'a> {
    pub c: &'a Client,
    pub base: String,
    pub shots: PathBuf,
    pub n: u32,
}

impl Tab<'_> {
    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    /// Clicks `e` (a link or a submit button) and waits for the page at `path` to load.
    pub async fn click_to(&self, e: Element, path: &str) {
        let from = self.path().await;
        e.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = self.path().await;
            if now == path {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "clicking on {from} led to {now}, not {path}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // Wait for the new document to be parsed (commands wait for the load itself).
        self.find("footer.site").await;
    }

    /// The page is `path`, in `lang`, titled `h1`.
    pub async fn assert_page(&self, path: &str, lang: &str, h1: &str) {
        assert_eq!(self.path().await, path);
        let html_lang = self.find("html").await.attr("lang").await.unwrap();
        assert_eq!(html_lang.as_deref(), Some(lang), "lang of {path}");
        assert_eq!(self.text("h1").await, h1, "heading of {path}");
    }

    /// Runs `script` in the page through the driver, which works with the page's own scripts
    /// off (chromedriver evaluates over the DevTools protocol).
    pub async fn numbers(&self, script: &str) -> Vec<u64> {
        let v = self.c.execute(script, vec![]).await.unwrap();
        v.as_array()
            .unwrap_or_else(|| panic!("{script} gave {v}"))
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect()
    }

    /// Saves a screenshot of the whole page, not only of what the window shows, as
    /// `NN-<name>.png`; returns its size in pixels.
    pub async fn shot(&mut self, name: &str) -> (u32, u32) {
        self.n += 1;
        let v = self
            .numbers("return [document.documentElement.scrollHeight, window.innerHeight]")
            .await;
        let (page, view) = (v[0], v[1]);
        let (w, h) = self.c.get_window_size().await.unwrap();
        let (w, h) = (u32::try_from(w).unwrap(), u32::try_from(h).unwrap());
        // A window as tall as the page, for the time of the shot.
        let taller = u32::try_from(page.saturating_sub(view)).unwrap();
        if taller > 0 {
            self.c.set_window_size(w, h + taller).await.unwrap();
        }
        let png = self.c.screenshot().await.unwrap();
        if taller > 0 {
            self.c.set_window_size(w, h).await.unwrap();
        }
        let path = self.shots.join(format!("{:02}-{name}.png", self.n));
        fs::write(&path, &png).unwrap();
        png_size(&png)
    }

    /// The page fits the window's width: no horizontal scroll bar.
    pub async fn assert_fits(&self) {
        let v = self
            .numbers(
                "return [document.documentElement.scrollWidth, \
                 document.documentElement.clientWidth]",
            )
            .await;
        if v[0] > v[1] {
            // Name what sticks out, for the report.
            let wide = self
                .c
                .execute(
                    "const w = document.documentElement.clientWidth; \
                     return [...document.querySelectorAll('body *')] \
                       .filter(e => e.getBoundingClientRect().right > w) \
                       .map(e => e.outerHTML.slice(0, 120));",
                    vec![],
                )
                .await
                .unwrap();
            panic!(
                "{}: the page is {} px wide in a {} px window; too wide: {wide:#}",
                self.path().await,
                v[0],
                v[1]
            );
        }
    }
}
