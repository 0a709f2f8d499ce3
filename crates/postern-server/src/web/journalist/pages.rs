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

pub struct ItemRow {
    pub id: String,
    pub kind: String,
    pub size: u64,
    pub day: String,
    pub new: bool,
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

/// One part of a selection, as its page lists it.
pub struct PartRow {
    pub number: u32,
    pub items: usize,
    pub size: String,
    pub href: String,
    pub file: String,
}

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
    title: &'a str,
    org: &'a str,
    csrf: &'a str,
    user: Option<&'a str>,
    v: &'a SelectionView<'a>,
}

pub fn selection(l: &Layout<'_>, v: &SelectionView<'_>) -> String {
    render(&SelectionPage {
        title: "Download a selection",
        org: l.org,
        csrf: l.csrf,
        user: l.user,
        v,
    })
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
