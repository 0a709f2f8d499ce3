//! Both interfaces in all eleven languages, in a real browser with JavaScript off: headless
//! Chromium over WebDriver walks every source page (landing, staying safe, big archive, codename,
//! home, logged out, login, a refused login) and every journalist page (login, a refused login,
//! sources, one source, a bundle's selection page, not found; the language switched with the
//! header's form) in each
//! language, at 1280 px and at 320 px, and keeps every page as a screenshot under
//! `target/screenshots/<lang>/i18n-NN-<page>.png` and `journalist-NN-<page>.png` (the prefixes keep
//! them apart from the English and Russian walk in `browser.rs`, which empties its own folders).
//!
//! Checked on every page: `lang` and `dir` of the document, no horizontal overflow at 320 px
//! (tables included), for Persian and Arabic that the layout really is right to left (a submit
//! button sits on the right half of the column, on the left half in the other languages), and
//! accessibility with axe-core (npm, `tests/axe`, installed by `tests/run`), injected through
//! WebDriver (the page's own scripts stay off): the WCAG 2.1 A and AA rules, among them a label
//! for every form control, `lang` valid, and text contrast of at least 4.5:1; and, by a check of
//! our own, every error message (`.error`) tied to a field by `aria-describedby`.
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

use crate::journalist::{JServer, sid_of_page, source_submits};
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

    /// A browser session with JavaScript off (`scripts` false: the walk) or on (the
    /// accessibility check's second browser, which runs axe-core on a copy of each page).
    async fn session(&self, profile: &Path, scripts: bool) -> Client {
        let js = if scripts { 1 } else { 2 };
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
                    "profile.managed_default_content_settings.javascript": js,
                    "profile.default_content_setting_values.javascript": js,
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

/// `<target>/screenshots/<lang>`, with this walk's earlier screenshots (names starting with
/// `prefix`) removed, and only those.
fn shots_dir(lang: &str, prefix: &str) -> PathBuf {
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
        if e.file_name().to_string_lossy().starts_with(prefix) {
            let _ = fs::remove_file(e.path());
        }
    }
    dir
}

/// Writes `html` into a page of `a11y` (same origin as `base`, so the same style sheet) and runs
/// axe-core's WCAG 2.1 A and AA rules on it, after the script `prepare`: (violations, number of
/// rules that passed).
async fn axe_on(
    a11y: &Client,
    base: &str,
    html: &str,
    lang: &str,
    prepare: &str,
) -> (Vec<String>, u64) {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let axe = AXE.get_or_init(axe_source);
    a11y.goto(&format!("{base}/no-such-page-for-axe"))
        .await
        .unwrap();
    a11y.execute(
        "document.open(); document.write(arguments[0]); document.close(); return 0;",
        vec![json!(html)],
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = a11y
            .execute(
                "return document.documentElement.lang === arguments[0] && \
                 [...document.styleSheets].some(s => { \
                   try { return s.cssRules.length > 0; } catch (e) { return false; } });",
                vec![json!(lang)],
            )
            .await
            .unwrap();
        if ready == json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "{lang}: the copy did not load");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    a11y.execute(&format!("{prepare}\n;{axe}\n;return typeof axe;"), vec![])
        .await
        .unwrap();
    let out = a11y
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { runOnly: { type: 'tag', values: \
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }) \
             .then(r => done({ found: r.violations.map(v => v.id + ': ' + v.help + ' at ' + \
               v.nodes.map(n => n.target.join(' ')).join(', ')), passed: r.passes.length, \
 })) \
             .catch(e => done({ found: ['axe did not run: ' + e], passed: 0 }));",
            vec![],
        )
        .await
        .unwrap();
    let found: Vec<String> = serde_json::from_value(out["found"].clone()).unwrap();
    (found, out["passed"].as_u64().unwrap_or(0))
}

/// The check finds what it is there to find: a field without a label, grey on grey, no `lang`.
async fn axe_finds_a_bad_page(a11y: &Client, base: &str) {
    let bad = "<!doctype html><html lang=\"en\"><head><title>x</title>\
               <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main>\
               <p id=\"low\">low contrast</p>\
               <form><input type=\"text\" name=\"q\"></form>\
               <p lang=\"xx-notalang-1234567890\">?</p></main></body></html>";
    // (An inline style attribute would be refused by the page's CSP; the CSSOM is not.)
    let grey = "const p = document.getElementById('low'); \
                p.style.color = '#999'; p.style.background = '#aaa';";
    let (found, _) = axe_on(a11y, base, bad, "en", grey).await;
    for rule in ["color-contrast", "label", "valid-lang"] {
        assert!(
            found.iter().any(|f| f.starts_with(&format!("{rule}:"))),
            "axe-core missed {rule}: {found:#?}"
        );
    }
}

struct Tab<'a> {
    c: &'a Client,
    /// The second browser, with JavaScript on, where axe-core checks a copy of each page.
    a11y: &'a Client,
    base: String,
    shots: PathBuf,
    /// The screenshots' name prefix.
    prefix: &'static str,
    n: u32,
}

/// axe-core's script, from `tests/axe` (`npm ci` there, as `tests/run` does).
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("axe/node_modules/axe-core/axe.min.js");
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run `npm ci` in tests/axe (tests/run does)",
            path.display()
        )
    })
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
            self.shots
                .join(format!("{}{:02}-{name}.png", self.prefix, self.n)),
            png,
        )
        .unwrap();
        self.accessible(name, lang).await;
    }

    /// axe-core's WCAG 2.1 A/AA rules find nothing, and every error (or the box around it) is
    /// tied to its field.
    ///
    /// With the page's scripts off, its timers never fire, and axe-core waits on them; so the
    /// page as this browser shows it (its DOM, from the same origin, with the same style sheet
    /// and at the same width) is written into a page of the second browser, where scripts run,
    /// and checked there. The pages load no script of their own, so the copy is the same page.
    async fn accessible(&self, name: &str, lang: &str) {
        let html = self.c.source().await.unwrap();
        let (w, h) = self.c.get_window_size().await.unwrap();
        self.a11y
            .set_window_size(u32::try_from(w).unwrap(), u32::try_from(h).unwrap())
            .await
            .unwrap();
        let (found, passed) = axe_on(self.a11y, &self.base, &html, lang, "").await;
        assert!(found.is_empty(), "{lang} {name}: {found:#?}");
        // axe-core really ran its rules on the copy (labels, contrast, lang among them).
        assert!(passed >= 5, "{lang} {name}: only {passed} rules passed");
        // Every error message has an id that a form control names in aria-describedby.
        let untied = self
            .c
            .execute(
                "return [...document.querySelectorAll('.error')].filter(e => { \
                   const id = e.id || (e.parentElement && e.parentElement.id); \
                   return !id || !document.querySelector('[aria-describedby~=\"' + id + '\"]'); \
                 }).map(e => e.outerHTML.slice(0, 120));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            untied,
            json!([]),
            "{lang} {name}: errors not tied to a field"
        );
    }

    /// The number of `.error` messages on the page.
    async fn errors(&self) -> usize {
        let v = self
            .c
            .execute("return document.querySelectorAll('.error').length;", vec![])
            .await
            .unwrap();
        usize::try_from(v.as_u64().unwrap_or(0)).unwrap()
    }

    /// Clicks `css` (a submit button that leads back to the same path) and waits for the page
    /// with an error message.
    async fn click_to_error(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.errors().await == 0 {
            assert!(Instant::now() < deadline, "{css} did not lead to an error");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.c.find(Locator::Css("footer.site")).await.unwrap();
    }

    /// Types `text` into the field `css`.
    async fn type_into(&self, css: &str, text: &str) {
        let e = self.c.find(Locator::Css(css)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Mirrored: `css` sits right of the column's centre in Persian and Arabic, left elsewhere.
    async fn assert_mirrored(&self, css: &str, what: &str, rtl: bool) {
        let x = self.offset_from_centre(css).await;
        if rtl {
            assert!(x > 0.0, "{what}: {css} is not on the right ({x})");
        } else {
            assert!(x < 0.0, "{what}: {css} is not on the left ({x})");
        }
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

async fn walk(c: &Client, a11y: &Client, port: u16, code: &str, lang: &str, rtl: bool) {
    let mut t = Tab {
        c,
        a11y,
        base: format!("http://127.0.0.1:{port}"),
        shots: shots_dir(code, "i18n-"),
        prefix: "i18n-",
        n: 0,
    };
    for width in [WIDE, NARROW] {
        c.set_window_size(width, 800).await.unwrap();
        let w = if width == WIDE { "1280" } else { "320" };
        t.goto(&format!("/{code}/")).await;
        t.check(&format!("landing-{w}"), lang, rtl).await;
        t.click_to(
            &format!("a[href='/{code}/safety']"),
            &format!("/{code}/safety"),
        )
        .await;
        t.check(&format!("safety-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/large")).await;
        t.check(&format!("large-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/")).await;
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
        // A codename with a word not in the list: the error, tied to the field.
        t.type_into("#codename", "one two three four five six seven")
            .await;
        t.click_to_error(&format!("form[action='/{code}/login'] button"))
            .await;
        assert_eq!(
            t.errors().await,
            1,
            "{code}: the refused login shows its error"
        );
        t.check(&format!("login-error-{w}"), lang, rtl).await;
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
        let c = driver.session(&tmp.path().join("profile"), false).await;
        let a11y = driver.session(&tmp.path().join("profile-a11y"), true).await;
        axe_finds_a_bad_page(&a11y, &format!("http://127.0.0.1:{}", server.port)).await;
        for (code, lang, rtl) in LANGS {
            walk(&c, &a11y, server.port, code, lang, rtl).await;
        }
        c.close().await.unwrap();
        a11y.close().await.unwrap();
    });
}

/// The journalist interface in every language, logged in once and switched with the header's
/// language form.
async fn walk_journalist(
    c: &Client,
    a11y: &Client,
    port: u16,
    sid: &str,
    code: &str,
    lang: &str,
    rtl: bool,
) {
    let mut t = Tab {
        c,
        a11y,
        base: format!("http://127.0.0.1:{port}"),
        shots: shots_dir(code, "journalist-"),
        prefix: "journalist-",
        n: 0,
    };
    c.set_window_size(WIDE, 800).await.unwrap();
    t.goto("/sources").await;
    t.click_to(&format!("nav.langs button[value='{code}']"), "/sources")
        .await;
    for width in [WIDE, NARROW] {
        c.set_window_size(width, 800).await.unwrap();
        let w = if width == WIDE { "1280" } else { "320" };
        t.goto("/sources").await;
        t.check(&format!("sources-{w}"), lang, rtl).await;
        t.goto(&format!("/sources/{sid}")).await;
        t.check(&format!("source-{w}"), lang, rtl).await;
        if width == WIDE {
            t.assert_mirrored(
                &format!("form[action='/sources/{sid}/delete'] button"),
                code,
                rtl,
            )
            .await;
        }
        // The bundle of this source: its selection page (one part, its size, the download).
        c.find(Locator::Css(".actions form[action='/bundle'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !t.path().await.starts_with("/bundle/") {
            assert!(Instant::now() < deadline, "{code}: no selection page");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        c.find(Locator::Css("footer.site")).await.unwrap();
        t.check(&format!("selection-{w}"), lang, rtl).await;
        t.goto("/login").await;
        t.check(&format!("login-{w}"), lang, rtl).await;
        t.goto("/no-such-page").await;
        t.check(&format!("not-found-{w}"), lang, rtl).await;
    }
}

#[test]
fn the_journalist_pages_in_eleven_languages_with_javascript_off() {
    let (js, _reviewer) = JServer::new("");
    let mut creds = js.add("alice");
    source_submits(
        &js.server,
        "hello",
        &[("a.txt", b"abc".to_vec()), ("b.bin", vec![7u8; 3000])],
    );
    let sid = {
        let mut b = js.client();
        crate::journalist::JournalistLogin::login(&mut b, &mut creds);
        sid_of_page(&b.get("/sources").text())
    };
    let tmp = tempfile::tempdir().unwrap();
    let driver = Driver::start(tmp.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = driver.session(&tmp.path().join("profile"), false).await;
        let a11y = driver.session(&tmp.path().join("profile-a11y"), true).await;
        axe_finds_a_bad_page(&a11y, &format!("http://127.0.0.1:{}", js.jport)).await;
        let mut t = Tab {
            c: &c,
            a11y: &a11y,
            base: format!("http://127.0.0.1:{}", js.jport),
            shots: shots_dir("en", "jlogin-"),
            prefix: "jlogin-",
            n: 0,
        };
        // A refused login first (its error tied to the fields), then the real one.
        t.goto("/login").await;
        t.type_into("#username", "alice").await;
        t.type_into("#passphrase", "wrong").await;
        t.type_into("#code", "000000").await;
        t.click_to_error("form[action='/login'] button").await;
        assert_eq!(t.errors().await, 1, "the refused login shows its error");
        t.check("login-error-1280", "en", false).await;
        t.type_into("#username", "alice").await;
        t.type_into("#passphrase", &creds.passphrase.clone()).await;
        t.type_into("#code", &creds.fresh_code()).await;
        t.click_to("form[action='/login'] button", "/sources").await;
        for (code, lang, rtl) in LANGS {
            walk_journalist(&c, &a11y, js.jport, &sid, code, lang, rtl).await;
        }
        c.close().await.unwrap();
        a11y.close().await.unwrap();
    });
}
