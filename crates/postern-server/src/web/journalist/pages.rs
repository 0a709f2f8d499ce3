//! The journalist interface's pages, in the same eleven languages as the source interface (the
//! Fluent messages `j-…` in `locales/<language>/journalist.ftl`). The language comes from a
//! cookie set by the language switch (a form, so it works without JavaScript); without one the
//! pages are in English. askama escapes everything it prints; nothing here is ever decrypted, so
//! the pages show only what the signed records say: kinds, padded sizes and days.

use askama::Template;

use crate::web::kit::i18n::{self, Arg, Lang};

/// What every page's layout needs.
pub struct Layout<'a> {
    pub org: &'a str,
    pub csrf: &'a str,
    /// The logged-in journalist, if any (the header then shows the logout button).
    pub user: Option<&'a str>,
    /// The language of the page.
    pub lang: Lang,
    /// The path of the request: the language switch returns there (see [`back_path`]).
    pub path: &'a str,
}

/// Where the language switch may send a journalist back to: the login page, the sources list or
/// one source's page (the source part of `path`), a bundle selection's page (the selection part
/// of `path`, a well-formed selection token); anything else is the sources list. What comes
/// back from the form is checked again with this, so it is never an open redirect.
pub fn back_path(path: &str) -> String {
    if path == "/login" {
        return path.to_owned();
    }
    if let Some(rest) = path.strip_prefix("/sources/") {
        let sid: String = rest.chars().take_while(|c| *c != '/').collect();
        if sid.len() == 64 && sid.bytes().all(|b| b.is_ascii_hexdigit()) {
            return format!("/sources/{sid}");
        }
    }
    if let Some(rest) = path.strip_prefix("/bundle/") {
        let sel = rest.split('/').next().unwrap_or("");
        if let Some(t) = crate::storage::selection::Token::parse(sel) {
            return format!("/bundle/{t}");
        }
    }
    "/sources".to_owned()
}

/// One entry of the language switch.
pub struct LangButton {
    pub code: &'static str,
    pub tag: &'static str,
    pub name: &'static str,
    pub current: bool,
}

/// The language of a page and what its templates call to translate.
pub struct Chrome {
    lang: Lang,
    /// Where the language switch returns to.
    pub back: String,
    pub langs: Vec<LangButton>,
}

impl Chrome {
    fn new(l: &Layout<'_>) -> Chrome {
        Chrome {
            lang: l.lang,
            back: back_path(l.path),
            langs: Lang::ALL
                .into_iter()
                .map(|lang| LangButton {
                    code: lang.code(),
                    tag: lang.html_lang(),
                    name: lang.native_name(),
                    current: lang == l.lang,
                })
                .collect(),
        }
    }

    /// A translated string.
    pub fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id)
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.html_lang()
    }

    /// `rtl` for Persian and Arabic, else `ltr`.
    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }

    /// "Log out alice".
    pub fn logout(&self, user: &str) -> String {
        i18n::t_args(self.lang, "j-logout", &[("user", Arg::from(user))])
    }

    /// The accessible name of an item's delete button: "Delete 0123….age".
    pub fn delete_label(&self, item: &str) -> String {
        i18n::t_args(
            self.lang,
            "j-item-delete-label",
            &[("item", Arg::Str(format!("{item}.age")))],
        )
    }

    /// The text of an entry's delete button: "Delete file 0123….age…".
    pub fn delete_entry(&self, kind: &str, name: &str) -> String {
        i18n::t_args(
            self.lang,
            "j-delete-entry",
            &[
                ("kind", Arg::Str(self.kind(kind))),
                ("name", Arg::from(name)),
            ],
        )
    }

    /// The confirmation page's question and sentences, as HTML: the designation and the item's
    /// name are isolated in `<bdi>` (the template prints them as they are).
    pub fn confirm_heading(&self, designation: &str) -> String {
        self.with_isolated("j-confirm-heading", "designation", designation)
    }

    pub fn confirm_text(&self, what: &str) -> String {
        self.with_isolated("j-confirm-text", "what", what)
    }

    /// A translated sentence with the outside text `value` in it isolated in `<bdi>`, as HTML.
    fn with_isolated(&self, id: &str, name: &str, value: &str) -> String {
        const MARK: &str = "\u{e000}";
        let text = i18n::t_args(self.lang, id, &[(name, Arg::from(MARK))]);
        escape(&text).replace(MARK, &format!("<bdi>{}</bdi>", escape(value)))
    }

    /// An item's kind in words (`message`, `file`, …, as the record says).
    pub fn kind(&self, kind: &str) -> String {
        let id = format!("j-kind-{kind}");
        let text = i18n::t(self.lang, &id);
        if text == id { kind.to_owned() } else { text }
    }

    /// A size in bytes, grouped the way the language groups digits.
    pub fn bytes(&self, n: &u64) -> String {
        i18n::number(self.lang, *n)
    }

    /// A count, grouped the way the language groups digits.
    pub fn count(&self, n: &usize) -> String {
        i18n::number(self.lang, u64::try_from(*n).unwrap_or(u64::MAX))
    }

    /// A day of the spool (`YYYY-MM-DD`) in prose.
    pub fn date(&self, day: &str) -> String {
        i18n::date(self.lang, day)
    }

    /// A translated sentence with `code` in it as `<code>`, as HTML: the sentence is escaped
    /// here (the template prints it as it is).
    fn with_code(&self, id: &str, name: &str, code: &str) -> String {
        const MARK: &str = "\u{e000}";
        let text = i18n::t_args(self.lang, id, &[(name, Arg::from(MARK))]);
        escape(&text).replace(MARK, &format!("<code>{}</code>", escape(code)))
    }

    /// The label of the reply-bundle field, with the command in `<code>`.
    pub fn replies_label(&self) -> String {
        self.with_code(
            "j-replies-label",
            "command",
            "postern-review export-replies",
        )
    }

    /// The label of the source deletion's confirmation, with the designation in `<q><bdi>`.
    pub fn confirm_label(&self, designation: &str) -> String {
        const MARK: &str = "\u{e000}";
        let text = i18n::t_args(
            self.lang,
            "j-delete-source-confirm",
            &[("designation", Arg::from(MARK))],
        );
        escape(&text).replace(MARK, &format!("<q><bdi>{}</bdi></q>", escape(designation)))
    }
}

/// HTML-escapes text for element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub struct SourceRow {
    pub id: String,
    pub short: String,
    pub designation: String,
    pub new: usize,
    pub items: usize,
    pub last_day: String,
    pub starred: bool,
}

/// One entry of a source's page: a message, a file, or a whole upload.
pub struct ItemRow {
    /// What the row is called (`<id>.age`, or "upload <short id>"), already translated.
    pub name: String,
    /// Where it downloads from, if it does on its own.
    pub link: Option<String>,
    /// The kind as the record names it (`message`, `file`, `upload`).
    pub kind: String,
    /// Padded size, in readable units.
    pub size: String,
    pub day: String,
    /// "complete", "in progress: 1.0 GiB of 4.0 GiB (25%)", …, already translated; empty for a
    /// message or file.
    pub state: String,
    /// Where its Delete form posts to (the first post shows the confirmation page).
    pub delete: String,
    pub new: bool,
}

/// What a confirmation page asks about.
pub struct Confirm<'a> {
    pub designation: &'a str,
    pub back: &'a str,
    /// The form's action (posted again with `confirm=yes`).
    pub action: &'a str,
    /// "Upload upload 1a2b3c4d (1.2 GiB, 1 March 2026, complete)", already translated.
    pub what: &'a str,
}

/// A size in readable units: bytes below 1 KiB, else KiB, MiB, GiB or TiB with one decimal.
pub fn readable(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}

#[derive(Template)]
#[template(path = "journalist/login.html")]
struct LoginPage<'a> {
    j: Chrome,
    title: String,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "journalist/sources.html")]
struct SourcesPage<'a> {
    j: Chrome,
    title: String,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    notice: Option<&'a str>,
    summary: String,
    total_new: usize,
    rows: &'a [SourceRow],
}

#[derive(Template)]
#[template(path = "journalist/source.html")]
struct SourcePage<'a> {
    j: Chrome,
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    notice: Option<&'a str>,
    id: &'a str,
    short: &'a str,
    designation: &'a str,
    summary: String,
    starred: bool,
    items: &'a [ItemRow],
}

/// One part of a selection, as its page lists it.
pub struct PartRow {
    pub number: u32,
    pub items: usize,
    pub size: String,
    pub href: String,
    pub file: String,
}

/// What the page of a selection shows.
pub struct SelectionView<'a> {
    pub id: &'a str,
    pub items: usize,
    pub total: &'a str,
    pub part_size: &'a str,
    pub parts: &'a [PartRow],
}

#[derive(Template)]
#[template(path = "journalist/selection.html")]
struct SelectionPage<'a> {
    j: Chrome,
    title: String,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    summary: String,
    /// HTML: escaped here, with the command in `<code>`.
    import_html: String,
    caption: String,
    /// Each part with the text of its link.
    parts: Vec<(&'a PartRow, String)>,
}

/// The page of a selection: its size and parts, with their links.
pub fn selection(l: &Layout<'_>, v: &SelectionView<'_>) -> String {
    let j = Chrome::new(l);
    let n = v.parts.len() as u64;
    let summary = i18n::t_args(
        l.lang,
        "j-selection-summary",
        &[
            ("items", Arg::Num(v.items as u64)),
            ("total", Arg::from(v.total)),
            ("parts", Arg::Num(n)),
            ("size", Arg::from(v.part_size)),
        ],
    );
    let import_html = j.with_code("j-selection-import", "command", "postern-review import");
    let caption = i18n::t_args(l.lang, "j-selection-caption", &[("id", Arg::from(v.id))]);
    let parts = v
        .parts
        .iter()
        .map(|p| {
            let text = i18n::t_args(
                l.lang,
                "j-part-link",
                &[
                    ("part", Arg::Num(u64::from(p.number))),
                    ("parts", Arg::Num(n)),
                ],
            );
            (p, text)
        })
        .collect();
    render(&SelectionPage {
        title: i18n::t(l.lang, "j-selection-title"),
        j,
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        summary,
        import_html,
        caption,
        parts,
    })
}

#[derive(Template)]
#[template(path = "journalist/confirm.html")]
struct ConfirmPage<'a> {
    j: Chrome,
    title: String,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    c: &'a Confirm<'a>,
}

#[derive(Template)]
#[template(path = "journalist/message.html")]
struct MessagePage<'a> {
    j: Chrome,
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    message: &'a str,
    link: &'a str,
    link_text: &'a str,
}

const FALLBACK: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>Error</title>\n</head>\n<body>\n<main>\n<h1>Error</h1>\n<p>Something went wrong.</p>\n\
</main>\n</body>\n</html>\n";

fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|_| FALLBACK.to_owned())
}

/// The login page; `error` is an already translated message.
pub fn login(l: &Layout<'_>, error: Option<&str>) -> String {
    render(&LoginPage {
        j: Chrome::new(l),
        title: i18n::t(l.lang, "j-login-title"),
        org: l.org,
        csrf: l.csrf,
        user: None,
        error,
    })
}

/// The sources list; `notice` is an already translated message.
pub fn sources(
    l: &Layout<'_>,
    notice: Option<&str>,
    rows: &[SourceRow],
    total_new: usize,
) -> String {
    let summary = i18n::t_args(
        l.lang,
        "j-sources-summary",
        &[
            ("sources", Arg::from(rows.len())),
            ("new", Arg::from(total_new)),
        ],
    );
    render(&SourcesPage {
        j: Chrome::new(l),
        title: i18n::t(l.lang, "j-sources-title"),
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        notice,
        summary,
        total_new,
        rows,
    })
}

pub struct SourceView<'a> {
    pub id: &'a str,
    pub short: &'a str,
    pub designation: &'a str,
    pub first_day: &'a str,
    pub starred: bool,
    pub items: &'a [ItemRow],
}

/// One source's page; `notice` is an already translated message.
pub fn source(l: &Layout<'_>, notice: Option<&str>, v: &SourceView<'_>) -> String {
    let summary = i18n::t_args(
        l.lang,
        "j-source-summary",
        &[
            ("day", Arg::Str(i18n::date(l.lang, v.first_day))),
            ("items", Arg::from(v.items.len())),
            ("new", Arg::from(v.items.iter().filter(|i| i.new).count())),
        ],
    );
    render(&SourcePage {
        j: Chrome::new(l),
        title: v.designation,
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        notice,
        id: v.id,
        short: v.short,
        designation: v.designation,
        summary,
        starred: v.starred,
        items: v.items,
    })
}

/// The confirmation page of a deletion (nothing is deleted until it is posted).
pub fn confirm(l: &Layout<'_>, c: &Confirm<'_>) -> String {
    render(&ConfirmPage {
        j: Chrome::new(l),
        title: i18n::t(l.lang, "j-confirm-title"),
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        c,
    })
}

/// A page with a title, a sentence and a link, all already translated.
pub fn message(l: &Layout<'_>, title: &str, message: &str, link: &str, link_text: &str) -> String {
    render(&MessagePage {
        j: Chrome::new(l),
        title,
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        message,
        link,
        link_text,
    })
}

/// [`message`] from message ids.
pub fn message_ids(
    l: &Layout<'_>,
    title: &str,
    message: &str,
    link: &str,
    link_text: &str,
) -> String {
    self::message(
        l,
        &i18n::t(l.lang, title),
        &i18n::t(l.lang, message),
        link,
        &i18n::t(l.lang, link_text),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout<'a>(org: &'a str, lang: Lang) -> Layout<'a> {
        Layout {
            org,
            csrf: "tok",
            user: Some("alice"),
            lang,
            path: "/sources",
        }
    }

    #[test]
    fn sizes_are_readable() {
        for (n, want) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (300 << 20, "300.0 MiB"),
            (100 << 30, "100.0 GiB"),
            (5 << 40, "5.0 TiB"),
        ] {
            assert_eq!(readable(n), want, "{n}");
        }
    }

    #[test]
    fn pages_escape_what_they_print() {
        let evil = "<script>alert(1)</script>";
        let l = layout(evil, Lang::En);
        let rows = vec![SourceRow {
            id: "ab".into(),
            short: "ab".into(),
            designation: evil.into(),
            new: 1,
            items: 2,
            last_day: "2026-01-01".into(),
            starred: true,
        }];
        let items = vec![ItemRow {
            name: evil.into(),
            link: Some("/sources/ab/items/cd".into()),
            kind: "file".into(),
            size: readable(1024),
            day: "2026-01-01".into(),
            state: evil.into(),
            delete: "/sources/ab/items/cd/delete".into(),
            new: true,
        }];
        let view = SourceView {
            id: "ab",
            short: "ab",
            designation: evil,
            first_day: "2026-01-01",
            starred: false,
            items: &items,
        };
        for page in [
            login(&l, Some(evil)),
            sources(&l, Some(evil), &rows, 1),
            source(&l, Some(evil), &view),
            confirm(
                &l,
                &Confirm {
                    designation: evil,
                    back: "/sources/ab",
                    action: "/sources/ab/items/cd/delete",
                    what: evil,
                },
            ),
            message(&l, evil, evil, "/", evil),
        ] {
            assert!(!page.contains(evil), "{page}");
            assert!(
                page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
                "{page}"
            );
        }
        let page = sources(&l, None, &rows, 1);
        assert!(page.contains("name=\"csrf\" value=\"tok\""));
        assert!(page.contains("Log out alice"));
        let page = source(&l, None, &view);
        assert!(
            page.contains("<q><bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi></q>"),
            "{page}"
        );
        let page = confirm(
            &l,
            &Confirm {
                designation: evil,
                back: "/sources/ab",
                action: "/sources/ab/items/cd/delete",
                what: "\u{202e}fdp.exe",
            },
        );
        assert!(
            page.contains("<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>"),
            "{page}"
        );
        assert!(page.contains("<bdi>\u{202e}fdp.exe</bdi>"), "{page}");
    }

    #[test]
    fn pages_are_in_the_layouts_language() {
        let l = layout("Org", Lang::Fa);
        let page = sources(&l, None, &[], 0);
        assert!(page.contains("<html lang=\"fa\" dir=\"rtl\">"), "{page}");
        assert!(
            page.contains(&i18n::t(Lang::Fa, "j-sources-none")),
            "{page}"
        );
        assert!(
            !page.contains(&i18n::t(Lang::En, "j-sources-none")),
            "{page}"
        );
        let l = layout("Org", Lang::De);
        let page = sources(&l, None, &[], 0);
        assert!(page.contains("<html lang=\"de\" dir=\"ltr\">"), "{page}");
        assert!(page.contains("Quellen"), "{page}");
    }

    #[test]
    fn the_language_switch_returns_only_to_our_own_pages() {
        let sid = "ab".repeat(32);
        let sel = format!("source-{sid}.{}", "cd".repeat(16));
        assert_eq!(
            back_path(&format!("/bundle/{sel}")),
            format!("/bundle/{sel}")
        );
        assert_eq!(
            back_path(&format!("/bundle/{sel}/2")),
            format!("/bundle/{sel}")
        );
        assert_eq!(back_path("/login"), "/login");
        assert_eq!(back_path("/sources"), "/sources");
        assert_eq!(
            back_path(&format!("/sources/{sid}")),
            format!("/sources/{sid}")
        );
        assert_eq!(
            back_path(&format!("/sources/{sid}/items/00/delete")),
            format!("/sources/{sid}")
        );
        for evil in [
            "//evil.example/",
            "https://evil.example/",
            "/sources/../../x",
            "/sources/abc",
            "",
            "/logout",
            "/bundle",
            "/bundle/",
            "/bundle/abc",
            &format!("/bundle/{}", "ab".repeat(16)),
            &format!("/bundle/source-{}", "AB".repeat(32)),
            &format!("/bundle/source-{}", "ab".repeat(33)),
            &format!("/bundle/source-{}x", "ab".repeat(32)),
            &format!("/bundle//source-{}", "ab".repeat(32)),
            "/bundle/../sources",
        ] {
            assert_eq!(back_path(evil), "/sources", "{evil}");
        }
    }
}
