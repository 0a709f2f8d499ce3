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
//! without them the test fails rather than skips.

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

use crate::support::{Reviewer, Server, content, free_port};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const APT_HINT: &str = "apt-get install -y chromium chromium-driver";

/// The window of the main walk, and the narrow one that must not scroll sideways.
const WIDE: (u32, u32) = (1024, 800);
const NARROW: u32 = 320;

/// What a page says in one language (copied from `locales/*/postern.ftl`, so that a changed
/// translation is noticed).
struct Lang {
    code: &'static str,
    /// The other language, reached through the language switch.
    other: &'static str,
    get_codename: &'static str,
    codename_title: &'static str,
    continue_link: &'static str,
    home_heading: &'static str,
    home_unknown: &'static str,
    submit: &'static str,
    /// `submitted-files-and-message` with two files.
    stored_two_files: &'static str,
    logged_out_heading: &'static str,
    new_identity: &'static str,
    link_start: &'static str,
    have_codename: &'static str,
    login_title: &'static str,
    /// The home heading in the other language.
    other_home_heading: &'static str,
    /// A file name in the language's own script.
    file_name: &'static str,
    /// The notice after deleting a reply.
    reply_deleted: &'static str,
}

const EN: Lang = Lang {
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

const RU: Lang = Lang {
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
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    fn start(dir: &Path) -> Driver {
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
    async fn session(&self, profile: &Path) -> Client {
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
fn screenshot_root() -> PathBuf {
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
fn screenshot_dir(lang: &str) -> PathBuf {
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
struct Tab<'a> {
    c: &'a Client,
    base: String,
    shots: PathBuf,
    n: u32,
}

impl Tab<'_> {
    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn find(&self, css: &str) -> Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    /// Clicks `e` (a link or a submit button) and waits for the page at `path` to load.
    async fn click_to(&self, e: Element, path: &str) {
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
    async fn assert_page(&self, path: &str, lang: &str, h1: &str) {
        assert_eq!(self.path().await, path);
        let html_lang = self.find("html").await.attr("lang").await.unwrap();
        assert_eq!(html_lang.as_deref(), Some(lang), "lang of {path}");
        assert_eq!(self.text("h1").await, h1, "heading of {path}");
    }

    /// Runs `script` in the page through the driver, which works with the page's own scripts
    /// off (chromedriver evaluates over the DevTools protocol).
    async fn numbers(&self, script: &str) -> Vec<u64> {
        let v = self.c.execute(script, vec![]).await.unwrap();
        v.as_array()
            .unwrap_or_else(|| panic!("{script} gave {v}"))
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect()
    }

    /// Saves a screenshot of the whole page, not only of what the window shows, as
    /// `NN-<name>.png`; returns its size in pixels.
    async fn shot(&mut self, name: &str) -> (u32, u32) {
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
    async fn assert_fits(&self) {
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

/// What one source sent, for the reviewer to find.
struct Sent {
    message: String,
    files: Vec<(String, Vec<u8>)>,
    codename: String,
}

/// The whole walk of one source in one language: returns what was sent.
async fn walk(c: &Client, port: u16, l: &Lang, files_dir: &Path, seed: u32) -> Sent {
    let code = l.code;
    let mut t = Tab {
        c,
        base: format!("http://127.0.0.1:{port}"),
        shots: screenshot_dir(code),
        n: 0,
    };
    c.set_window_size(WIDE.0, WIDE.1).await.unwrap();

    // Landing → "Get a codename".
    t.goto(&format!("/{code}/")).await;
    assert_eq!(
        t.find("html").await.attr("lang").await.unwrap().as_deref(),
        Some(code)
    );
    t.shot("landing").await;
    let button = t
        .find(&format!("form[action='/{code}/generate'] button"))
        .await;
    assert_eq!(button.text().await.unwrap(), l.get_codename);
    t.click_to(button, &format!("/{code}/generate")).await;

    // The codename, shown once.
    t.assert_page(&format!("/{code}/generate"), code, l.codename_title)
        .await;
    let codename = t.text("p.codename").await;
    assert_eq!(codename.split(' ').count(), 7, "{codename:?}");
    assert!(
        codename
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch == ' ' || ch == '-'),
        "{codename:?}"
    );
    t.shot("codename").await;
    let next = t.find(&format!("a.button[href='/{code}/home']")).await;
    assert_eq!(next.text().await.unwrap(), l.continue_link);
    t.click_to(next, &format!("/{code}/home")).await;

    // Home, before anything was sent.
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    assert!(t.text("p.note").await.starts_with(l.home_unknown));
    t.shot("home").await;

    // A message with Cyrillic and a unique marker, and two files chosen at once.
    let marker = format!("BROWSER-MARKER-{code}-{:08x}", rand::random::<u32>());
    let message = format!("{marker} Документы во вложении — два файла. Two files attached.");
    let files = vec![
        (
            l.file_name.to_owned(),
            format!("Notes, заметки: {marker}\n").into_bytes(),
        ),
        (format!("browser-{code}-data.bin"), content(70_001, seed)),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in &files {
        let p = files_dir.join(name);
        fs::write(&p, bytes).unwrap();
        paths.push(p.to_str().unwrap().to_owned());
    }
    t.find("textarea#message")
        .await
        .send_keys(&message)
        .await
        .unwrap();
    t.find("input#files[type=file]")
        .await
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
    assert_eq!(
        t.find("textarea#message")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some(message.clone()),
        "the message was typed as given"
    );
    t.shot("home-filled").await;
    let send = t
        .find(&format!("form[action='/{code}/submit'] button"))
        .await;
    assert_eq!(send.text().await.unwrap(), l.submit);
    t.click_to(send, &format!("/{code}/submit")).await;

    // Thank you: the message and both files.
    assert_eq!(t.text("p.notice").await, l.stored_two_files);
    t.shot("submitted").await;

    // Log out with the button in the header.
    let logout = t.find(".header-logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.assert_page(&format!("/{code}/logout"), code, l.logged_out_heading)
        .await;
    let main = t.text("main").await;
    assert!(main.contains(l.new_identity), "{main}");
    assert!(main.contains("Ctrl+Shift+U"), "{main}");
    assert!(
        c.find(Locator::Css(".header-logout")).await.is_err(),
        "no logout button once logged out"
    );
    t.shot("logged-out").await;

    // Back to the start page, then "I already have a codename".
    let start = c.find(Locator::LinkText(l.link_start)).await.unwrap();
    t.click_to(start, &format!("/{code}/")).await;
    let login = c.find(Locator::LinkText(l.have_codename)).await.unwrap();
    t.click_to(login, &format!("/{code}/login")).await;
    t.assert_page(&format!("/{code}/login"), code, l.login_title)
        .await;
    t.shot("login").await;
    let input = t.find("input#codename").await;
    assert_eq!(
        input.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    input.send_keys(&codename).await.unwrap();
    let enter = t
        .find(&format!("form[action='/{code}/login'] button"))
        .await;
    t.click_to(enter, &format!("/{code}/home")).await;

    // Home again, as the same source: the "nothing sent yet" note is gone.
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    assert!(
        c.find(Locator::Css("p.note")).await.is_err(),
        "logged in again as the source that submitted"
    );
    t.find("section.logout button").await;
    t.shot("home-again").await;

    // The language switch keeps the page and the session.
    let other = t
        .find(&format!("nav.langs a[hreflang='{}']", l.other))
        .await;
    t.click_to(other, &format!("/{}/home", l.other)).await;
    t.assert_page(&format!("/{}/home", l.other), l.other, l.other_home_heading)
        .await;
    assert!(c.find(Locator::Css("p.note")).await.is_err());
    let current = t.find("nav.langs a[aria-current='page']").await;
    assert_eq!(
        current.attr("hreflang").await.unwrap().as_deref(),
        Some(l.other)
    );
    t.shot(&format!("home-switched-to-{}", l.other)).await;
    let back = t.find(&format!("nav.langs a[hreflang='{code}']")).await;
    t.click_to(back, &format!("/{code}/home")).await;
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.assert_page(&format!("/{code}/logout"), code, l.logged_out_heading)
        .await;

    // A 320 px window: every page fits, without a sideways scroll bar.
    c.set_window_size(NARROW, 700).await.unwrap();
    t.goto(&format!("/{code}/")).await;
    assert_eq!(t.shot("landing-320").await.0, NARROW);
    t.assert_fits().await;
    let get = t
        .find(&format!("form[action='/{code}/generate'] button"))
        .await;
    t.click_to(get, &format!("/{code}/generate")).await;
    assert_eq!(t.shot("codename-320").await.0, NARROW);
    t.assert_fits().await;
    let next = t.find(&format!("a.button[href='/{code}/home']")).await;
    t.click_to(next, &format!("/{code}/home")).await;
    assert_eq!(t.shot("home-320").await.0, NARROW);
    t.assert_fits().await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.goto(&format!("/{code}/login")).await;
    assert_eq!(t.shot("login-320").await.0, NARROW);
    t.assert_fits().await;

    Sent {
        message,
        files,
        codename,
    }
}

/// A reply that tries to be markup and a terminal escape; the source must see it as text.
const BROWSER_REPLY: &str =
    "<b>not bold</b><script>document.title='pwned'</script> \u{1b}[31m Ответ редакции: спасибо.";

/// The source logs in again and reads the newsroom's reply as plain text, then deletes it.
async fn read_reply(c: &Client, port: u16, l: &Lang, codename: &str) {
    let code = l.code;
    let mut t = Tab {
        c,
        base: format!("http://127.0.0.1:{port}"),
        shots: screenshot_dir(code),
        n: 50,
    };
    c.set_window_size(WIDE.0, WIDE.1).await.unwrap();
    t.goto(&format!("/{code}/login")).await;
    t.find("input#codename")
        .await
        .send_keys(codename)
        .await
        .unwrap();
    let enter = t
        .find(&format!("form[action='/{code}/login'] button"))
        .await;
    t.click_to(enter, &format!("/{code}/home")).await;
    let shown = t.text("pre.reply").await;
    assert!(
        shown.contains("<b>not bold</b><script>document.title='pwned'</script>"),
        "the markup is shown as text: {shown:?}"
    );
    assert!(shown.contains("Ответ редакции: спасибо."), "{shown:?}");
    assert!(c.find(Locator::Css("pre.reply b")).await.is_err());
    assert!(c.find(Locator::Css("pre.reply script")).await.is_err());
    assert_ne!(c.title().await.unwrap(), "pwned");
    t.shot("home-reply").await;
    let delete = t
        .find(&format!("form[action='/{code}/replies/delete'] button"))
        .await;
    t.click_to(delete, &format!("/{code}/replies/delete")).await;
    assert_eq!(t.text("p.notice").await, l.reply_deleted);
    assert!(c.find(Locator::Css("pre.reply")).await.is_err());
    t.shot("reply-deleted").await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
}

#[test]
fn a_source_with_javascript_off_walks_every_page_in_english_and_russian() {
    let started = Instant::now();
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |config| {
        // The session cookie is Secure, which Chromium keeps only over https (or an onion).
        assert!(config.contains("cookie_secure = true"), "{config}");
        config.replace("cookie_secure = true", "cookie_secure = false")
    });
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("profile");
    let files_dir = tmp.path().join("files");
    fs::create_dir_all(&files_dir).unwrap();
    let driver = Driver::start(tmp.path());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sent = rt.block_on(async {
        let c = driver.session(&profile).await;
        // Scripts really are off: a page's <noscript> shows, its script does not run.
        c.goto(
            "data:text/html,<title>off</title><script>document.title='on'</script>\
             <noscript><p id=nojs>no script</p></noscript>",
        )
        .await
        .unwrap();
        assert_eq!(c.title().await.unwrap(), "off", "JavaScript is on");
        c.find(Locator::Id("nojs")).await.unwrap();

        let mut sent = Vec::new();
        for (i, l) in [EN, RU].iter().enumerate() {
            sent.push(
                walk(
                    &c,
                    server.port,
                    l,
                    &files_dir,
                    u32::try_from(i).unwrap() + 7,
                )
                .await,
            );
        }
        c.close().await.unwrap();
        sent
    });
    drop(driver);

    // The reviewer gets exactly what was typed and attached.
    reviewer.ok(&["trust", &server.signing_pub()]);
    let imported = reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    assert!(
        imported.contains("Imported 6 new item(s) from 2 source(s)"),
        "{imported}"
    );
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    let extracted = fs::read_dir(out.path()).unwrap().count();
    assert_eq!(extracted, 6, "two messages and four files");
    let mut messages: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("message-")
        })
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    messages.sort();
    let mut want: Vec<String> = sent.iter().map(|s| s.message.clone()).collect();
    want.sort();
    assert_eq!(messages, want);
    for (name, bytes) in sent.iter().flat_map(|s| &s.files) {
        let got = fs::read(out.path().join(name))
            .unwrap_or_else(|e| panic!("{name} was not extracted: {e}"));
        assert!(got == *bytes, "{name} differs from what was attached");
    }
    // The newsroom replies to both sources; the operator imports the bundle; each source reads
    // its reply in its language, as text, and deletes it.
    let spool = postern_spool::spool::Spool::open(&server.spool()).unwrap();
    let reply_file = tmp.path().join("reply.txt");
    fs::write(&reply_file, BROWSER_REPLY).unwrap();
    for sid in spool.sources().unwrap() {
        reviewer.ok(&[
            "reply",
            &sid.to_string()[..12],
            "--file",
            reply_file.to_str().unwrap(),
        ]);
    }
    let bundle = tmp.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
    let mut server = server;
    server.kill();
    for args in [
        vec!["trust-newsroom", reviewer.signing_pub.as_str()],
        vec!["import-replies", bundle.to_str().unwrap()],
    ] {
        let out = crate::support::run(
            std::process::Command::new(crate::support::bin("postern"))
                .arg(args[0])
                .arg("--config")
                .arg(&server.config)
                .args(&args[1..]),
        );
        assert!(out.status.success(), "{}", crate::support::stderr(&out));
    }
    server.start();
    let driver = Driver::start(tmp.path());
    rt.block_on(async {
        let c = driver.session(&tmp.path().join("profile-2")).await;
        for (l, s) in [EN, RU].iter().zip(&sent) {
            read_reply(&c, server.port, l, &s.codename).await;
        }
        c.close().await.unwrap();
    });
    drop(driver);

    eprintln!(
        "browser walk done in {:.1} s; screenshots under {}",
        started.elapsed().as_secs_f64(),
        screenshot_root().display()
    );
}
