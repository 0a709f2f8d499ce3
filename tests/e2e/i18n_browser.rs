//! Both interfaces in all eleven languages, in a real browser with JavaScript off: headless
//! Chromium over WebDriver walks every source page (landing, staying safe, big archive, codename,
//! the codename page sent again (expired), home as a new source, nothing sent, thank you (after
//! the redirect), home as a known source, the 413 page with the typed message kept, logged out,
//! session expired, login, a refused login, the Cyrillic-layout hint, the replies (one reply
//! waiting for each visit, imported with `postern import-replies`), a reply deleted, not found,
//! and "busy" from a second server whose codename queue has no room) and every journalist page
//! (sources, one source, a deletion's confirmation, a source not deleted for want of the right
//! words, a bundle's selection page, a date range with nothing in it, a date that is not one,
//! replies imported, refused and signed by a stranger, no such source, not found, a forged form
//! (forbidden), logged out, session ended, login and a refused login; the language switched with
//! the header's form; and once per width the cross-origin 403, which a browser reaches without
//! cookies and so in the default language) in each language, at 1280 px and at 320 px, and
//! keeps every page as a screenshot under `target/screenshots/<lang>/i18n-NN-<page>-<width>.png`
//! and `journalist-NN-<page>-<width>.png` (the prefixes keep them apart from the English and
//! Russian walk in `browser.rs`, which empties its own folders). Each page is known by its
//! heading or notice, read from the server's own locale files.
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

use crate::journalist::{Creds, JServer, sid_of_page, source_submits};
use crate::support::{Reviewer, Server, free_port, stderr};

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
             axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: \
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

/// The text of the simple message `id` (one line, no placeables) in the locale file `file` of
/// the language whose `lang` attribute is `lang`, read from the server's own locale files: the
/// walk knows each page by what it says.
fn ftl(lang: &str, file: &str, id: &str) -> String {
    let dir = if lang == "en" { "en-US" } else { lang };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/postern-server/locales")
        .join(dir)
        .join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = format!("{id} = ");
    let line = text
        .lines()
        .find(|l| l.starts_with(&start))
        .unwrap_or_else(|| panic!("{id} is not a one-line message in {}", path.display()));
    let value = line[start.len()..].trim();
    assert!(
        !value.is_empty() && !value.contains('{'),
        "{id} in {lang} is not a simple message"
    );
    value.to_owned()
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

    /// Scrolls `css` into view (a table scrolls inside itself on a narrow screen, to the left
    /// in Persian and Arabic, as a person would scroll it) and clicks it.
    async fn press(&self, css: &str) {
        let e = self.c.find(Locator::Css(css)).await.unwrap();
        self.c
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', inline: 'center' }); return 0;",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            .unwrap();
        e.click()
            .await
            .unwrap_or_else(|err| panic!("{css} cannot be clicked: {err}"));
    }

    /// Clicks `css` and waits for the new document at `path`. The path alone can't tell: a
    /// click may lead back to the page it was on (the language buttons), so the old document
    /// must also have gone (its element stale) before the new one's footer is looked for.
    async fn click_to(&self, css: &str, path: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        self.press(css).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.path().await != path || old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "{css} did not lead to {path}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.footer(deadline).await;
    }

    /// Waits for the new document's footer (it may still be loading), until `deadline`.
    async fn footer(&self, deadline: Instant) {
        while self.c.find(Locator::Css("footer.site")).await.is_err() {
            assert!(Instant::now() < deadline, "the page has no footer.site");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks `css` and waits for the new document it leads to (at any path, the same one
    /// included: the thank-you and 413 pages share theirs with the page that sent them).
    async fn click_to_new(&self, css: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        self.press(css).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        // The old document's element goes stale once the new document has replaced it.
        while old.tag_name().await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "{css} did not lead to a new page"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.footer(deadline).await;
    }

    /// Sends a form to `action` again with the `csrf` token of an earlier page, as a reload of
    /// the page that form led to does: the form is put into the page through WebDriver (the
    /// page's own scripts stay off) and its button clicked.
    async fn send_again(&self, action: &str, csrf: &str) {
        self.c
            .execute(
                "const f = document.createElement('form'); \
                 f.method = 'post'; f.action = arguments[0]; f.id = 'sent-again'; \
                 const i = document.createElement('input'); \
                 i.type = 'hidden'; i.name = 'csrf'; i.value = arguments[1]; \
                 const b = document.createElement('button'); b.type = 'submit'; b.textContent = 'again'; \
                 f.append(i, b); document.querySelector('main').append(f); return 0;",
                vec![json!(action), json!(csrf)],
            )
            .await
            .unwrap();
        self.click_to_new("#sent-again button").await;
    }

    /// The `value` attribute of `css`.
    async fn value(&self, css: &str) -> String {
        let e = self.c.find(Locator::Css(css)).await.unwrap();
        e.attr("value")
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{css} has no value"))
    }

    /// The text of `css` as shown.
    async fn text(&self, css: &str) -> String {
        let e = self.c.find(Locator::Css(css)).await.unwrap();
        e.text().await.unwrap()
    }

    /// The text of the page's heading.
    async fn heading(&self) -> String {
        self.text("main h1").await
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
        // Every field's error message (`.error`) has an id that a form control names in
        // aria-describedby. An error page's message (the 404, say) has no field: it is a
        // `.page-error`, and axe checks it like the rest of the page.
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

/// The servers and the fixtures the source walk uses.
struct SourceSite<'a> {
    /// The server walked.
    port: u16,
    /// A second server whose codename queue has no room: every "Get a codename" gets the busy
    /// page. Reached as `localhost`, so that its cookies are its own.
    busy_port: u16,
    /// The codename of a source with a reply waiting for each visit of the walk.
    with_replies: &'a str,
    /// A file over the server's file limit (but under its request limit).
    too_large: &'a Path,
}

async fn walk(c: &Client, a11y: &Client, site: &SourceSite<'_>, code: &str, lang: &str, rtl: bool) {
    let base = format!("http://127.0.0.1:{}", site.port);
    let mut t = Tab {
        c,
        a11y,
        base: base.clone(),
        shots: shots_dir(code, "i18n-"),
        prefix: "i18n-",
        n: 0,
    };
    let says = |id: &str| ftl(lang, "postern.ftl", id);
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
        let generate = format!("form[action='/{code}/generate']");
        let token = t.value(&format!("{generate} input[name='csrf']")).await;
        t.click_to(&format!("{generate} button"), &format!("/{code}/generate"))
            .await;
        t.check(&format!("codename-{w}"), lang, rtl).await;
        // The codename reads left to right in every language.
        let p = c.find(Locator::Css("p.codename")).await.unwrap();
        assert_eq!(p.attr("dir").await.unwrap().as_deref(), Some("ltr"));
        assert_eq!(p.attr("lang").await.unwrap().as_deref(), Some("en"));
        // A reload of the codename page sends its form again, with the landing page's token,
        // which is gone: the calm "this page has expired" page, not a 403 about forgery.
        t.send_again(&format!("/{code}/generate"), &token).await;
        assert_eq!(
            t.heading().await,
            says("codename-expired-heading"),
            "{code}"
        );
        t.check(&format!("codename-expired-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/home")).await;
        // A new source is welcomed (no "check your codename for typos").
        assert_eq!(t.text("p.note").await, says("home-welcome"), "{code}");
        t.check(&format!("home-new-{w}"), lang, rtl).await;
        let submit = format!("form[action='/{code}/submit'] button");
        if width == WIDE {
            // Mirrored: the submit button starts at the right in Persian and Arabic.
            t.assert_mirrored(&submit, code, rtl).await;
        }
        // Nothing typed, nothing attached: "nothing was sent", as a warning.
        t.click_to(&submit, &format!("/{code}/submit")).await;
        assert_eq!(t.text("p.warning").await, says("notice-nothing-sent"));
        t.check(&format!("nothing-sent-{w}"), lang, rtl).await;
        // A message: stored, then the thank-you page (after a redirect: a reload sends nothing).
        t.type_into("#message", &format!("i18n walk {code} {w}"))
            .await;
        t.click_to_new(&submit).await;
        assert_eq!(t.path().await, format!("/{code}/submit"));
        assert_eq!(t.heading().await, says("submitted-heading"), "{code}");
        assert_eq!(t.text("p.notice").await, says("submitted-message"));
        t.check(&format!("submitted-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/home")).await;
        assert!(
            c.find(Locator::Css("p.note")).await.is_err(),
            "{code}: the source that sent is known"
        );
        t.check(&format!("home-{w}"), lang, rtl).await;
        // A file over the limit: the 413 page keeps the typed message, its error tied to the
        // form.
        let kept = format!("kept {code} {w}: Документы");
        t.type_into("#message", &kept).await;
        c.find(Locator::Css("input#files"))
            .await
            .unwrap()
            .send_keys(site.too_large.to_str().unwrap())
            .await
            .unwrap();
        t.click_to_new(&submit).await;
        assert_eq!(t.path().await, format!("/{code}/submit"));
        assert_eq!(t.errors().await, 1, "{code}: the 413 page shows its error");
        assert_eq!(
            c.find(Locator::Css("textarea#message"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some(kept.as_str()),
            "{code}: the typed message is kept"
        );
        assert!(
            c.find(Locator::Css(&format!("a[href='/{code}/large']")))
                .await
                .is_ok()
        );
        t.check(&format!("too-large-{w}"), lang, rtl).await;
        // Logged out; the session's cookie is kept to be sent again once the session is gone.
        let session = c.get_all_cookies().await.unwrap();
        t.click_to("section.logout button", &format!("/{code}/logout"))
            .await;
        assert_eq!(t.heading().await, says("logged-out-heading"), "{code}");
        t.check(&format!("logged-out-{w}"), lang, rtl).await;
        for cookie in session {
            c.add_cookie(cookie).await.unwrap();
        }
        t.goto(&format!("/{code}/home")).await;
        assert_eq!(t.heading().await, says("expired-heading"), "{code}");
        t.check(&format!("expired-{w}"), lang, rtl).await;
        t.goto(&format!("/{code}/login")).await;
        t.check(&format!("login-{w}"), lang, rtl).await;
        let login = format!("form[action='/{code}/login'] button");
        // A codename with a word not in the list: the error, tied to the field.
        t.type_into("#codename", "one two three four five six seven")
            .await;
        t.click_to_new(&login).await;
        assert_eq!(
            t.errors().await,
            1,
            "{code}: the refused login shows its error"
        );
        t.check(&format!("login-error-{w}"), lang, rtl).await;
        // Typed with the Russian keyboard layout on: "switch to the Latin layout".
        t.type_into("#codename", "щтуб ецщб ерхуу").await;
        t.click_to_new(&login).await;
        assert_eq!(t.text(".error").await, says("login-error-keyboard"));
        t.check(&format!("login-keyboard-{w}"), lang, rtl).await;
        // The source with replies: its home page shows them; one is deleted.
        t.type_into("#codename", site.with_replies).await;
        t.click_to(&login, &format!("/{code}/home")).await;
        let replies = c.find_all(Locator::Css("pre.reply")).await.unwrap().len();
        assert!(replies > 0, "{code}: no reply left to show");
        t.check(&format!("replies-{w}"), lang, rtl).await;
        t.click_to(
            &format!("form[action='/{code}/replies/delete'] button"),
            &format!("/{code}/replies/delete"),
        )
        .await;
        assert_eq!(t.text("p.notice").await, says("notice-reply-deleted"));
        assert_eq!(
            c.find_all(Locator::Css("pre.reply")).await.unwrap().len(),
            replies - 1
        );
        t.check(&format!("reply-deleted-{w}"), lang, rtl).await;
        t.click_to("section.logout button", &format!("/{code}/logout"))
            .await;
        t.goto(&format!("/{code}/no-such-page")).await;
        assert!(t.heading().await.contains("404"), "{code}");
        t.check(&format!("not-found-{w}"), lang, rtl).await;
        // No room in the codename queue: the calm "busy" page.
        t.base = format!("http://localhost:{}", site.busy_port);
        t.goto(&format!("/{code}/")).await;
        t.click_to(&format!("{generate} button"), &format!("/{code}/generate"))
            .await;
        assert_eq!(t.heading().await, says("busy-heading"), "{code}");
        t.check(&format!("busy-{w}"), lang, rtl).await;
        t.base.clone_from(&base);
    }
}

/// The walk's source server (cheap Argon2, a 1 MiB file limit, cookies over plain HTTP);
/// `tweak` changes it further.
fn source_server(reviewer: &Reviewer, tweak: impl FnOnce(String) -> String) -> Server {
    Server::new(&reviewer.recipient, |config| {
        let mut config = config;
        for (from, to) in [
            ("cookie_secure = true", "cookie_secure = false"),
            ("argon2_m_kib = 65536", "argon2_m_kib = 64"),
            ("argon2_t = 3", "argon2_t = 1"),
            ("argon2_p = 4", "argon2_p = 1"),
            ("max_file_bytes = 2147483648", "max_file_bytes = 1048576"),
            (
                "max_request_bytes = 4294967296",
                "max_request_bytes = 2097152",
            ),
        ] {
            assert!(config.contains(from), "{from} not in {config}");
            config = config.replace(from, to);
        }
        tweak(config)
    })
}

/// A source (on `server`) with `n` replies from the newsroom, imported with
/// `postern import-replies` (the server is restarted): its codename.
fn source_with_replies(server: &mut Server, reviewer: &Reviewer, n: usize) -> String {
    let mut b = crate::http::Browser::new(server.port, crate::replies::UA);
    let codename = crate::replies::new_source(&mut b);
    reviewer.receive(server, "Imported 1 new item(s) from 1 source(s)");
    let sid = crate::replies::the_source(server).to_string();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let text = dir.path().join(format!("reply-{i}.txt"));
        fs::write(&text, format!("Reply {i}. Спасибо, merci, شكرا.")).unwrap();
        reviewer.ok(&["reply", &sid[..12], "--file", text.to_str().unwrap()]);
    }
    let bundle = dir.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
    server.kill();
    let out = crate::replies::postern(server, &["trust-newsroom", &reviewer.signing_pub]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = crate::replies::import_replies(server, &bundle);
    assert!(out.status.success(), "{}", stderr(&out));
    server.start();
    codename
}

#[test]
fn the_source_pages_in_eleven_languages_with_javascript_off() {
    let started = Instant::now();
    let reviewer = Reviewer::new();
    let mut server = source_server(&reviewer, |c| c);
    let busy = source_server(&reviewer, |c| {
        assert!(c.contains("argon2_queue = 64"), "{c}");
        c.replace("argon2_queue = 64", "argon2_queue = 0")
    });
    // One reply for each visit: every language, both widths.
    let with_replies = source_with_replies(&mut server, &reviewer, 2 * LANGS.len());
    let tmp = tempfile::tempdir().unwrap();
    let too_large = tmp.path().join("too-large.bin");
    fs::write(&too_large, crate::support::content(1_500_000, 16)).unwrap();
    let site = SourceSite {
        port: server.port,
        busy_port: busy.port,
        with_replies: &with_replies,
        too_large: &too_large,
    };
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
            let at = Instant::now();
            walk(&c, &a11y, &site, code, lang, rtl).await;
            eprintln!(
                "source pages in {code}: {:.1} s",
                at.elapsed().as_secs_f64()
            );
        }
        c.close().await.unwrap();
        a11y.close().await.unwrap();
    });
    eprintln!(
        "the source walk in 11 languages: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// What the journalist walk needs: the source to look at, the files to upload, the accounts.
struct Newsroom {
    port: u16,
    sid: String,
    /// Reply bundles from the reviewer, one new reply in each, for one upload each.
    bundles: Vec<PathBuf>,
    /// A reply bundle signed by a key the server does not trust.
    forged: PathBuf,
    /// A file that is not a bundle at all.
    not_a_bundle: PathBuf,
}

/// The journalist interface in every language, switched with the header's language form, at
/// both widths: every page, then a logout and a login (with `creds`, an account of this
/// language's own, so that two-factor codes don't run out).
#[allow(clippy::too_many_arguments)]
async fn walk_journalist(
    c: &Client,
    a11y: &Client,
    site: &Newsroom,
    uploads: &mut std::slice::Iter<'_, PathBuf>,
    creds: &mut Creds,
    code: &str,
    lang: &str,
    rtl: bool,
) {
    let sid = site.sid.as_str();
    let mut t = Tab {
        c,
        a11y,
        base: format!("http://127.0.0.1:{}", site.port),
        shots: shots_dir(code, "journalist-"),
        prefix: "journalist-",
        n: 0,
    };
    let says = |id: &str| ftl(lang, "journalist.ftl", id);
    c.set_window_size(WIDE, 800).await.unwrap();
    t.goto("/sources").await;
    t.click_to(&format!("nav.langs button[value='{code}']"), "/sources")
        .await;
    for width in [WIDE, NARROW] {
        c.set_window_size(width, 800).await.unwrap();
        let w = if width == WIDE { "1280" } else { "320" };
        t.goto("/sources").await;
        assert_eq!(t.heading().await, says("j-sources-title"), "{code}");
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
        // Deleting an entry asks first (nothing is deleted yet).
        t.click_to_new(&format!(
            "form[action^='/sources/{sid}/items/'] button.danger"
        ))
        .await;
        assert!(
            t.path()
                .await
                .starts_with(&format!("/sources/{sid}/items/"))
        );
        c.find(Locator::Css("form input[name='confirm'][value='yes']"))
            .await
            .unwrap();
        t.check(&format!("confirm-{w}"), lang, rtl).await;
        // Deleting the source with the wrong words typed: not deleted, and told so.
        t.goto(&format!("/sources/{sid}")).await;
        t.type_into("#confirm", "not it").await;
        t.click_to_new(&format!("form[action='/sources/{sid}/delete'] button"))
            .await;
        assert_eq!(t.text("p.notice").await, says("j-notice-not-confirmed"));
        t.check(&format!("not-confirmed-{w}"), lang, rtl).await;
        // The bundle of this source: its selection page (one part, its size, the download).
        t.goto(&format!("/sources/{sid}")).await;
        t.click_to_new(".actions form[action='/bundle'] button")
            .await;
        assert!(
            t.path().await.starts_with("/bundle/"),
            "{code}: no selection page"
        );
        t.check(&format!("selection-{w}"), lang, rtl).await;
        // Dates: a day with nothing in it, then (where a browser has no date picker) a day
        // typed that is not one.
        t.goto("/sources").await;
        t.c.execute(
            "document.getElementById('since').value = '2001-01-01'; \
             document.getElementById('until').value = '2001-01-02'; return 0;",
            vec![],
        )
        .await
        .unwrap();
        t.click_to_new("form.dates button").await;
        assert_eq!(t.heading().await, says("j-bundle-none-title"), "{code}");
        t.check(&format!("bundle-none-{w}"), lang, rtl).await;
        t.goto("/sources").await;
        t.c.execute(
            "document.getElementById('since').type = 'text'; return 0;",
            vec![],
        )
        .await
        .unwrap();
        t.type_into("#since", "yesterday").await;
        t.click_to_new("form.dates button").await;
        assert_eq!(t.heading().await, says("j-date-bad-title"), "{code}");
        t.check(&format!("bad-date-{w}"), lang, rtl).await;
        // Reply bundles: one imported, one that is not a bundle, one signed by a stranger.
        let bundle = uploads.next().expect("a reply bundle for each visit");
        for (file, title, name) in [
            (bundle, "j-replies-imported-title", "replies-imported"),
            (
                &site.not_a_bundle,
                "j-replies-refused-title",
                "replies-refused",
            ),
            (
                &site.forged,
                "j-replies-refused-title",
                "replies-not-signed",
            ),
        ] {
            t.goto("/sources").await;
            c.find(Locator::Css("input#bundle"))
                .await
                .unwrap()
                .send_keys(file.to_str().unwrap())
                .await
                .unwrap();
            t.click_to_new("form[action='/replies'] button").await;
            assert_eq!(t.heading().await, says(title), "{code} {name}");
            t.check(&format!("{name}-{w}"), lang, rtl).await;
        }
        t.goto(&format!("/sources/{}", "0".repeat(64))).await;
        assert_eq!(t.heading().await, says("j-not-found-title"), "{code}");
        t.check(&format!("no-such-source-{w}"), lang, rtl).await;
        t.goto("/no-such-page").await;
        assert_eq!(t.heading().await, says("j-not-found-title"), "{code}");
        t.check(&format!("not-found-{w}"), lang, rtl).await;
        // A form with a token that is not the session's: forbidden.
        t.goto("/sources").await;
        t.c.execute(
            "document.querySelector('.header-logout input[name=csrf]').value = 'forged'; \
             return 0;",
            vec![],
        )
        .await
        .unwrap();
        t.click_to_new(".header-logout button").await;
        assert_eq!(t.heading().await, says("j-forbidden-title"), "{code}");
        t.check(&format!("forbidden-{w}"), lang, rtl).await;
        // Logged out; the session's cookie is kept to be sent again once the session is gone.
        t.goto("/sources").await;
        let session = c.get_all_cookies().await.unwrap();
        t.click_to(".header-logout button", "/logout").await;
        assert_eq!(t.heading().await, says("j-logged-out-title"), "{code}");
        t.check(&format!("logged-out-{w}"), lang, rtl).await;
        for cookie in session {
            c.add_cookie(cookie).await.unwrap();
        }
        t.goto("/sources").await;
        assert_eq!(t.heading().await, says("j-session-ended-title"), "{code}");
        t.check(&format!("session-ended-{w}"), lang, rtl).await;
        t.goto("/login").await;
        t.check(&format!("login-{w}"), lang, rtl).await;
        // A refused login, its error tied to the fields; then the real one.
        t.type_into("#username", "nobody").await;
        t.type_into("#passphrase", "wrong").await;
        t.type_into("#code", "000000").await;
        t.click_to_new("form[action='/login'] button").await;
        assert_eq!(
            t.errors().await,
            1,
            "{code}: the refused login shows its error"
        );
        t.check(&format!("login-failed-{w}"), lang, rtl).await;
        t.type_into("#username", &creds.name.clone()).await;
        t.type_into("#passphrase", &creds.passphrase.clone()).await;
        t.type_into("#code", &creds.fresh_code()).await;
        t.click_to("form[action='/login'] button", "/sources").await;
    }
}

/// A request from another site (here a `data:` page with a form) to the journalist interface:
/// refused by the cross-origin check before any handler. The browser sends no cookie with it
/// (they are `SameSite=Strict`), so the page is in the server's default language.
async fn cross_origin(c: &Client, a11y: &Client, port: u16) {
    let mut t = Tab {
        c,
        a11y,
        base: format!("http://127.0.0.1:{port}"),
        shots: shots_dir("en", "jcross-"),
        prefix: "jcross-",
        n: 0,
    };
    for width in [WIDE, NARROW] {
        c.set_window_size(width, 800).await.unwrap();
        let w = if width == WIDE { "1280" } else { "320" };
        c.goto(&format!(
            "data:text/html,<title>elsewhere</title><form method=post \
             action='http://127.0.0.1:{port}/logout'><input type=hidden name=csrf value=x>\
             <button>go</button></form>"
        ))
        .await
        .unwrap();
        t.click_to("form button", "/logout").await;
        assert_eq!(
            t.heading().await,
            ftl("en", "journalist.ftl", "j-forbidden-title")
        );
        t.check(&format!("cross-origin-{w}"), "en", false).await;
    }
}

#[test]
fn the_journalist_pages_in_eleven_languages_with_javascript_off() {
    let started = Instant::now();
    let (mut js, reviewer) = JServer::new("");
    let out = js.cli(&["trust-newsroom", &reviewer.signing_pub]);
    assert!(out.status.success(), "{}", stderr(&out));
    js.restart();
    let mut creds = js.add("alice");
    let mut accounts: Vec<Creds> = LANGS
        .iter()
        .map(|(code, _, _)| js.add(&format!("j{code}")))
        .collect();
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
    // The reviewer replies to the source: one bundle per visit, each with a new reply.
    reviewer.ok(&["trust", &js.server.signing_pub()]);
    reviewer.ok(&["import", js.server.spool().to_str().unwrap()]);
    let reply = tmp.path().join("reply.txt");
    fs::write(&reply, "Thank you. Спасибо. شكرا").unwrap();
    let bundles: Vec<PathBuf> = (0..2 * LANGS.len())
        .map(|i| {
            reviewer.ok(&["reply", &sid[..12], "--file", reply.to_str().unwrap()]);
            let bundle = tmp.path().join(format!("replies-{i}.tar"));
            reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
            bundle
        })
        .collect();
    // A stranger's reviewer, whose signing key the server does not trust.
    let stranger = Reviewer::new();
    stranger.ok(&["trust", &js.server.signing_pub()]);
    stranger.ok(&["import", js.server.spool().to_str().unwrap()]);
    stranger.ok(&["reply", &sid[..12], "--file", reply.to_str().unwrap()]);
    let forged = tmp.path().join("forged.tar");
    stranger.ok(&["export-replies", "--to", forged.to_str().unwrap()]);
    let not_a_bundle = tmp.path().join("not-a-bundle.tar");
    fs::write(&not_a_bundle, b"not a bundle").unwrap();
    let site = Newsroom {
        port: js.jport,
        sid,
        bundles,
        forged,
        not_a_bundle,
    };
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
        let mut uploads = site.bundles.iter();
        for ((code, lang, rtl), creds) in LANGS.into_iter().zip(accounts.iter_mut()) {
            let at = Instant::now();
            walk_journalist(&c, &a11y, &site, &mut uploads, creds, code, lang, rtl).await;
            eprintln!(
                "journalist pages in {code}: {:.1} s",
                at.elapsed().as_secs_f64()
            );
        }
        cross_origin(&c, &a11y, js.jport).await;
        c.close().await.unwrap();
        a11y.close().await.unwrap();
    });
    eprintln!(
        "the journalist walk in 11 languages: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
