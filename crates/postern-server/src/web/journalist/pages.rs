//! The journalist interface's pages (English only: it serves a handful of newsroom staff, not
//! the public). askama escapes everything it prints; nothing here is ever decrypted, so the
//! pages show only what the signed records say: kinds, padded sizes and days.

use askama::Template;

/// What every page's layout needs.
pub struct Layout<'a> {
    pub org: &'a str,
    pub csrf: &'a str,
    /// The logged-in journalist, if any (the header then shows the logout button).
    pub user: Option<&'a str>,
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
    /// What the row is called (`<id>.age`, or `upload <short id>`).
    pub name: String,
    /// Where it downloads from, if it does on its own.
    pub link: Option<String>,
    pub kind: String,
    /// Padded size, in readable units.
    pub size: String,
    pub day: String,
    /// "complete", "in progress: 1.0 GiB of 4.0 GiB (25%)", "expired", or empty for a message.
    pub state: String,
    /// Where its Delete form posts to.
    pub delete: String,
    pub new: bool,
}

/// What a confirmation page asks about.
pub struct Confirm<'a> {
    pub designation: &'a str,
    pub back: &'a str,
    /// The form's action (the same URL, with `confirm=yes`).
    pub action: &'a str,
    /// "upload 1a2b3c4d (file, 1.2 GiB, 2026-03-01)".
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
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "journalist/sources.html")]
struct SourcesPage<'a> {
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    notice: Option<&'a str>,
    total_sources: usize,
    total_new: usize,
    rows: &'a [SourceRow],
}

#[derive(Template)]
#[template(path = "journalist/source.html")]
struct SourcePage<'a> {
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    notice: Option<&'a str>,
    id: &'a str,
    short: &'a str,
    designation: &'a str,
    first_day: &'a str,
    starred: bool,
    new: usize,
    items: &'a [ItemRow],
}

#[derive(Template)]
#[template(path = "journalist/confirm.html")]
struct ConfirmPage<'a> {
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    c: &'a Confirm<'a>,
}

#[derive(Template)]
#[template(path = "journalist/message.html")]
struct MessagePage<'a> {
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

pub fn login(l: &Layout<'_>, error: Option<&str>) -> String {
    render(&LoginPage {
        title: "Log in",
        org: l.org,
        csrf: l.csrf,
        user: None,
        error,
    })
}

pub fn sources(
    l: &Layout<'_>,
    notice: Option<&str>,
    rows: &[SourceRow],
    total_new: usize,
) -> String {
    render(&SourcesPage {
        title: "Sources",
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        notice,
        total_sources: rows.len(),
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

pub fn source(l: &Layout<'_>, notice: Option<&str>, v: &SourceView<'_>) -> String {
    render(&SourcePage {
        title: v.designation,
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        notice,
        id: v.id,
        short: v.short,
        designation: v.designation,
        first_day: v.first_day,
        starred: v.starred,
        new: v.items.iter().filter(|i| i.new).count(),
        items: v.items,
    })
}

pub fn confirm(l: &Layout<'_>, c: &Confirm<'_>) -> String {
    render(&ConfirmPage {
        title: "Confirm deletion",
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        c,
    })
}

pub fn message(l: &Layout<'_>, title: &str, message: &str, link: &str, link_text: &str) -> String {
    render(&MessagePage {
        title,
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        message,
        link,
        link_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (u64::MAX, "16777216.0 TiB"),
        ] {
            assert_eq!(readable(n), want, "{n}");
        }
    }

    #[test]
    fn pages_escape_what_they_print() {
        let evil = "<script>alert(1)</script>";
        let l = Layout {
            org: evil,
            csrf: "tok",
            user: Some("alice"),
        };
        let rows = vec![SourceRow {
            id: "ab".into(),
            short: "ab".into(),
            designation: evil.into(),
            new: 1,
            items: 2,
            last_day: "2026-01-01".into(),
            starred: true,
        }];
        for page in [
            login(&l, Some(evil)),
            sources(&l, Some(evil), &rows, 1),
            message(&l, evil, evil, "/", evil),
        ] {
            assert!(!page.contains(evil), "{page}");
            assert!(page.contains("&#60;script&#62;"), "{page}");
        }
        let page = sources(&l, None, &rows, 1);
        assert!(page.contains("name=\"csrf\" value=\"tok\""));
        assert!(page.contains("Log out alice"));
    }
}
