//! The pages of the source interface, rendered to complete HTML documents.
//!
//! Sources read these pages in Tor Browser at the "Safest" level, so every page works without
//! JavaScript, loads nothing but `/static/style.css`, and uses no inline styles (the CSP forbids them).
//! The templates live in `templates/` and are compiled in by askama, which escapes everything it prints:
//! codenames, replies and translated text alike. Every visible string comes from [`super::i18n`].
//!
//! Each state-changing form carries the CSRF token as its *first* field, because the server checks it
//! before it reads any more of a multipart body. A render error (which the type-checked templates
//! should rule out) yields a short static English page, never a panic.

use askama::Template;

use super::i18n::{self, Arg, Lang};

/// What every page needs to know about the request it answers.
pub struct Ctx {
    /// The language of the page, from the URL prefix.
    pub lang: Lang,
    /// The newsroom's name, shown in the header and the title.
    pub org: String,
    /// The CSRF token put into every form.
    pub csrf: String,
    /// The current GET path after the language prefix ("" for the landing page, "login", "home"):
    /// the language switch links to the same page in each language.
    pub path_rest: String,
    /// Whether a source is logged in (the header then offers a logout button).
    pub logged_in: bool,
}

/// A reply from the journalists, already decrypted for the logged-in source.
pub struct ReplyView {
    /// A stable identifier of the reply, used as the anchor of its section.
    pub id: String,
    /// The day the reply was written, already formatted for display.
    pub day: String,
    /// The text of the reply (printed verbatim, escaped, in a `<pre>`).
    pub text: String,
}

/// What the home page of a logged-in source shows.
pub struct HomeView {
    /// Whether anything was ever submitted with this codename.
    pub known: bool,
    /// The replies, newest first: they are shown in this order.
    pub replies: Vec<ReplyView>,
    /// Replies exist but cannot be opened until the source logs in again.
    pub replies_locked: bool,
    /// The largest file accepted, in MiB.
    pub max_file_mib: u64,
    /// The largest request (all files and the message together) accepted, in MiB.
    pub max_request_mib: u64,
    /// The longest message accepted, in characters.
    pub max_message_chars: usize,
    /// A one-line status to show at the top, already translated.
    pub notice: Option<String>,
    /// Whether the notice is a warning ("nothing was sent") rather than a success.
    pub notice_warning: bool,
    /// A codename was made in this session and nothing was sent yet: a welcome, not the
    /// "check your codename for typos" note.
    pub fresh: bool,
    /// Why the last submission was refused, already translated; tied to the form's fields.
    pub error: Option<String>,
    /// The message typed before a refused submission, put back into the form.
    pub message: String,
}

/// The landing page: what this is, how to stay safe, get a codename or log in.
pub fn landing(ctx: &Ctx) -> String {
    let c = Common::new(ctx, "landing-title");
    let intro = i18n::t_args(ctx.lang, "landing-intro", &[("org", Arg::from(c.org))]);
    render(&LandingPage { c, intro })
}

/// The sections of the "staying safe" page: (anchor, heading id, paragraph ids).
const SAFETY: [(&str, &str, &[&str]); 6] = [
    (
        "promise",
        "safety-promise-heading",
        &["safety-promise-1", "safety-promise-2", "safety-promise-3"],
    ),
    (
        "bridges",
        "safety-bridges-heading",
        &[
            "safety-bridges-1",
            "safety-bridges-2",
            "safety-bridges-3",
            "safety-bridges-4",
        ],
    ),
    (
        "metadata",
        "safety-metadata-heading",
        &[
            "safety-metadata-1",
            "safety-metadata-2",
            "safety-metadata-3",
            "safety-metadata-4",
            "safety-metadata-5",
        ],
    ),
    (
        "logged",
        "safety-logged-heading",
        &["safety-logged-1", "safety-logged-2", "safety-logged-3"],
    ),
    (
        "knows",
        "safety-knows-heading",
        &[
            "safety-knows-yes",
            "safety-knows-no",
            "safety-knows-codename",
        ],
    ),
    (
        "after",
        "safety-after-heading",
        &["safety-after-1", "safety-after-2"],
    ),
];

/// The "staying safe" page, linked from the landing page.
pub fn safety(ctx: &Ctx) -> String {
    render(&SafetyPage {
        c: Common::new(ctx, "safety-title"),
        sections: &SAFETY,
    })
}

/// The sizes (GB, decimal) and Tor speeds (MB/s) of the big-archive page's table.
pub const ESTIMATE_GB: [u64; 3] = [1, 10, 100];
pub const ESTIMATE_MBPS: [u64; 2] = [1, 5];

/// How long `gb` gigabytes take at `mbps` megabytes a second, in words: whole minutes under an
/// hour, else about so many hours (rounded).
pub fn duration(lang: Lang, gb: u64, mbps: u64) -> String {
    let seconds = gb.saturating_mul(1000) / mbps.max(1);
    let minutes = seconds.div_ceil(60);
    if minutes < 60 {
        i18n::t_args(lang, "large-minutes", &[("n", Arg::Num(minutes))])
    } else {
        let hours = (minutes + 30) / 60;
        i18n::t_args(lang, "large-hours", &[("n", Arg::Num(hours))])
    }
}

/// The big-archive page: a time estimate table and the `postern-send` steps.
pub fn large(ctx: &Ctx) -> String {
    let lang = ctx.lang;
    let speeds = ESTIMATE_MBPS
        .iter()
        .map(|&m| {
            let speed = i18n::t_args(
                lang,
                "large-speed",
                &[("n", Arg::Str(i18n::number(lang, m)))],
            );
            i18n::t_args(lang, "large-col-speed", &[("speed", Arg::Str(speed))])
        })
        .collect();
    let rows = ESTIMATE_GB
        .iter()
        .map(|&gb| {
            let times = ESTIMATE_MBPS
                .iter()
                .map(|&m| duration(lang, gb, m))
                .collect();
            (i18n::size_mib(lang, gb * 1024), times)
        })
        .collect();
    render(&LargePage {
        c: Common::new(ctx, "large-title"),
        speeds,
        rows,
    })
}

/// The new codename, shown once, with advice on keeping it.
pub fn codename(ctx: &Ctx, codename: &str) -> String {
    let mut c = Common::new(ctx, "codename-title");
    // It is shown only once: neither a language link nor a logout button may lead away from it
    // by accident. The way on is the "Continue" link, after the advice to write it down.
    c.langs.clear();
    c.header_logout = false;
    render(&CodenamePage { c, codename })
}

/// The login form, with the reason of a failed attempt (a Fluent message id) if there was one.
pub fn login(ctx: &Ctx, error: Option<&str>) -> String {
    let c = Common::new(ctx, "login-title");
    let error = error.map(|id| i18n::t(ctx.lang, id));
    render(&LoginPage { c, error })
}

/// The home page of a logged-in source: the submission form, the replies and the logout button.
pub fn home(ctx: &Ctx, view: &HomeView) -> String {
    let lang = ctx.lang;
    let mut c = Common::new(ctx, "home-title");
    // The page ends with its own logout form; one is enough.
    c.header_logout = false;
    let chars = u64::try_from(view.max_message_chars).unwrap_or(u64::MAX);
    let limits = i18n::t_args(
        lang,
        "home-limits",
        &[
            ("file", Arg::Str(i18n::size_mib(lang, view.max_file_mib))),
            (
                "request",
                Arg::Str(i18n::size_mib(lang, view.max_request_mib)),
            ),
            ("chars", Arg::Str(i18n::number(lang, chars))),
            ("chars_n", Arg::Num(chars)),
        ],
    );
    let replies = view
        .replies
        .iter()
        .map(|r| Reply {
            id: &r.id,
            heading: i18n::t_args(
                lang,
                "home-reply-day",
                &[("day", Arg::Str(i18n::date(lang, &r.day)))],
            ),
            text: &r.text,
        })
        .collect();
    render(&HomePage {
        c,
        known: view.known,
        fresh: view.fresh,
        notice: view.notice.as_deref(),
        notice_warning: view.notice_warning,
        error: view.error.as_deref(),
        message: &view.message,
        max_message_chars: view.max_message_chars,
        limits,
        replies,
        replies_locked: view.replies_locked,
    })
}

/// The confirmation after a submission of `files` files and, if `message`, a message.
pub fn submitted(ctx: &Ctx, files: usize, message: bool) -> String {
    let c = Common::new(ctx, "submitted-title");
    let count = [("files", Arg::from(files))];
    let stored = match (files, message) {
        (0, false) => i18n::t(ctx.lang, "submitted-nothing"),
        (0, true) => i18n::t(ctx.lang, "submitted-message"),
        (_, false) => i18n::t_args(ctx.lang, "submitted-files", &count),
        (_, true) => i18n::t_args(ctx.lang, "submitted-files-and-message", &count),
    };
    render(&SubmittedPage { c, stored })
}

/// The page shown when the codename page is reloaded (or its form sent again): a codename is shown
/// only once, so instead of a "forged form" error the source learns what to do next.
pub fn codename_expired(ctx: &Ctx) -> String {
    let c = Common::new(ctx, "codename-expired-title");
    render(&SimplePage {
        c,
        heading: "codename-expired-heading",
        paragraphs: &["codename-expired-text", "codename-expired-next"],
        link: "",
        link_text: "codename-expired-link",
    })
}

/// The page after logging out, with the "New Identity" advice.
pub fn logged_out(ctx: &Ctx) -> String {
    let c = Common::new(ctx, "logged-out-title");
    render(&SimplePage {
        c,
        heading: "logged-out-heading",
        paragraphs: &["logged-out-new-identity"],
        link: "",
        link_text: "link-start",
    })
}

/// The page shown when a session ended after a period of inactivity.
pub fn expired(ctx: &Ctx) -> String {
    let c = Common::new(ctx, "expired-title");
    render(&SimplePage {
        c,
        heading: "expired-heading",
        paragraphs: &["expired-text", "expired-kept"],
        link: "login",
        link_text: "expired-login",
    })
}

/// An error page: the status code and the message `message_id` (a Fluent message id).
pub fn error(ctx: &Ctx, status: u16, message_id: &str) -> String {
    let mut c = Common::new(ctx, "error-title");
    let heading = i18n::t_args(ctx.lang, "error-title", &[("status", Arg::from(status))]);
    c.title.clone_from(&heading);
    let message = i18n::t(ctx.lang, message_id);
    render(&ErrorPage {
        c,
        heading,
        message,
    })
}

/// The page shown (with a 503) when too many logins are waiting at once.
pub fn busy(ctx: &Ctx) -> String {
    let c = Common::new(ctx, "busy-title");
    render(&SimplePage {
        c,
        heading: "busy-heading",
        paragraphs: &["busy-text"],
        link: "",
        link_text: "link-start",
    })
}

/// What the base layout needs, shared by every page.
struct Common<'a> {
    lang: Lang,
    org: &'a str,
    csrf: &'a str,
    /// The page's own title; the layout appends the organisation.
    title: String,
    /// The language switch; empty where following it would lose something.
    langs: Vec<LangLink>,
    /// Whether the header shows a logout button.
    header_logout: bool,
}

/// The organisation's name, or "Postern" where none is known (a page never shows an empty link).
fn org_name(ctx: &Ctx) -> &str {
    match ctx.org.trim() {
        "" => "Postern",
        name => name,
    }
}

/// One entry of the language switch.
struct LangLink {
    href: String,
    tag: &'static str,
    name: &'static str,
    current: bool,
}

impl<'a> Common<'a> {
    fn new(ctx: &'a Ctx, title_id: &str) -> Self {
        let langs = Lang::ALL
            .into_iter()
            .map(|l| LangLink {
                href: format!("/{}/{}", l.code(), ctx.path_rest),
                tag: l.html_lang(),
                name: l.native_name(),
                current: l == ctx.lang,
            })
            .collect();
        Common {
            lang: ctx.lang,
            org: org_name(ctx),
            csrf: &ctx.csrf,
            title: i18n::t(ctx.lang, title_id),
            langs,
            header_logout: ctx.logged_in,
        }
    }

    /// A translated string, for the templates.
    fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id)
    }

    /// The URL prefix of the page's language.
    fn code(&self) -> &'static str {
        self.lang.code()
    }

    fn html_lang(&self) -> &'static str {
        self.lang.html_lang()
    }

    /// `rtl` for Persian and Arabic, else `ltr`.
    fn dir(&self) -> &'static str {
        self.lang.dir()
    }
}

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage<'a> {
    c: Common<'a>,
    intro: String,
}

#[derive(Template)]
#[template(path = "codename.html")]
struct CodenamePage<'a> {
    c: Common<'a>,
    codename: &'a str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: Common<'a>,
    error: Option<String>,
}

struct Reply<'a> {
    id: &'a str,
    heading: String,
    text: &'a str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: Common<'a>,
    known: bool,
    fresh: bool,
    notice: Option<&'a str>,
    notice_warning: bool,
    error: Option<&'a str>,
    message: &'a str,
    max_message_chars: usize,
    limits: String,
    replies: Vec<Reply<'a>>,
    replies_locked: bool,
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage<'a> {
    c: Common<'a>,
    stored: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Common<'a>,
    heading: String,
    message: String,
}

/// A heading, a few paragraphs and one link: logged out, expired, busy.
#[derive(Template)]
#[template(path = "safety.html")]
struct SafetyPage<'a> {
    c: Common<'a>,
    sections: &'static [(&'static str, &'static str, &'static [&'static str])],
}

#[derive(Template)]
#[template(path = "large.html")]
struct LargePage<'a> {
    c: Common<'a>,
    /// The column headings: "At 1 MB/s", …
    speeds: Vec<String>,
    /// Per size: the size in words and the time at each speed.
    rows: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "simple.html")]
struct SimplePage<'a> {
    c: Common<'a>,
    heading: &'static str,
    paragraphs: &'static [&'static str],
    /// Where the link goes, after the language prefix.
    link: &'static str,
    link_text: &'static str,
}

/// Served if a template ever fails to render: plain, English, and still free of anything external.
const FALLBACK: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n<title>Error</title>\n</head>\n<body>\n\
<main>\n<h1>Error</h1>\n<p>Something went wrong on our side. Please try again later.</p>\n\
<p><a href=\"/\">Back to the start page</a></p>\n</main>\n</body>\n</html>\n";

fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|_| FALLBACK.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSRF: &str = "csrf-token-8c1f2a";
    const EVIL: &str = "<script>alert(1)</script>";

    fn ctx(lang: Lang, path_rest: &str, logged_in: bool) -> Ctx {
        Ctx {
            lang,
            org: "The \"Daily\" & <Co>".to_owned(),
            csrf: CSRF.to_owned(),
            path_rest: path_rest.to_owned(),
            logged_in,
        }
    }

    fn view(known: bool, replies: Vec<ReplyView>) -> HomeView {
        HomeView {
            known,
            replies,
            replies_locked: false,
            max_file_mib: 500,
            max_request_mib: 2048,
            max_message_chars: 100_000,
            notice: Some(format!("notice {EVIL}")),
            notice_warning: false,
            fresh: false,
            error: None,
            message: String::new(),
        }
    }

    /// Every page, in one language, with its name.
    fn all_pages(lang: Lang) -> Vec<(&'static str, String)> {
        let replies = vec![
            ReplyView {
                id: "r2".to_owned(),
                day: "2026-02-01".to_owned(),
                text: format!("second {EVIL}"),
            },
            ReplyView {
                id: "r1".to_owned(),
                day: "2026-01-01".to_owned(),
                text: "first\n  indented".to_owned(),
            },
        ];
        vec![
            ("landing", landing(&ctx(lang, "", false))),
            (
                "codename",
                codename(
                    &ctx(lang, "", true),
                    "alpha bravo charlie delta echo foxtrot golf",
                ),
            ),
            ("login", login(&ctx(lang, "login", false), None)),
            (
                "login-error",
                login(&ctx(lang, "login", false), Some("login-error-word-count")),
            ),
            ("home", home(&ctx(lang, "home", true), &view(true, replies))),
            (
                "home-new",
                home(&ctx(lang, "home", true), &view(false, Vec::new())),
            ),
            ("submitted", submitted(&ctx(lang, "home", true), 2, true)),
            ("logged-out", logged_out(&ctx(lang, "", false))),
            ("expired", expired(&ctx(lang, "", false))),
            (
                "error",
                error(&ctx(lang, "", false), 404, "error-not-found"),
            ),
            ("busy", busy(&ctx(lang, "login", false))),
        ]
    }

    /// The message ids of the English file.
    fn message_ids() -> Vec<&'static str> {
        include_str!("../../../locales/en-US/postern.ftl")
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id)
            .collect()
    }

    /// The opening tags of every `<form>` and the text up to its `</form>`.
    fn forms(html: &str) -> Vec<&str> {
        html.split("<form")
            .skip(1)
            .map(|rest| rest.split("</form>").next().unwrap())
            .collect()
    }

    #[test]
    fn every_page_is_a_complete_safe_document() {
        for lang in Lang::ALL {
            for (name, html) in all_pages(lang) {
                assert!(html.starts_with("<!doctype html>"), "{name}");
                assert!(html != FALLBACK, "{name} fell back");
                assert!(
                    html.contains(&format!(
                        "<html lang=\"{}\" dir=\"{}\">",
                        lang.html_lang(),
                        lang.dir()
                    )),
                    "{name}"
                );
                assert!(html.contains("<meta charset=\"utf-8\">"), "{name}");
                assert!(
                    html.contains("<meta name=\"referrer\" content=\"no-referrer\">"),
                    "{name}"
                );
                assert!(html.contains(
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                ));
                assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/style.css\">"));
                let lower = html.to_lowercase();
                assert!(!lower.contains("<script"), "{name} has a script");
                assert!(!lower.contains("<style"), "{name} has a style block");
                assert!(!lower.contains("style="), "{name} has an inline style");
                assert!(!lower.contains("<img"), "{name} has an image");
                assert!(
                    !lower.contains("http://") && !lower.contains("https://"),
                    "{name}"
                );
                assert!(!lower.contains("src="), "{name} loads something");
                assert_eq!(lower.matches("<link").count(), 1, "{name}");
                assert!(
                    html.contains("The &#34;Daily&#34; &#38; &#60;Co&#62;"),
                    "{name}: org"
                );
                assert!(!html.contains("<Co>"), "{name}: org unescaped");
                assert!(html.contains("<main id=\"main\">"), "{name}");
                assert!(html.contains("Postern"), "{name}");
                // Every message resolved: no id is printed as itself.
                for id in message_ids() {
                    assert!(
                        !html.contains(&format!(">{id}<")),
                        "{name}: unresolved {id}"
                    );
                    assert!(
                        !html.contains(&format!("\"{id}\"")),
                        "{name}: unresolved {id}"
                    );
                }
            }
        }
    }

    #[test]
    fn russian_pages_are_in_russian() {
        for (name, html) in all_pages(Lang::Ru) {
            assert!(html.contains("lang=\"ru\""), "{name}");
            assert!(html.contains("Язык") || name == "codename", "{name}");
        }
        assert!(submitted(&ctx(Lang::Ru, "", true), 5, false).contains("5 файлов"));
        assert!(submitted(&ctx(Lang::Ru, "", true), 2, false).contains("2 файла"));
        assert!(submitted(&ctx(Lang::Ru, "", true), 1, false).contains("1 файл "));
    }

    #[test]
    fn every_form_posts_and_starts_with_the_csrf_token() {
        let first_field = format!("<input type=\"hidden\" name=\"csrf\" value=\"{CSRF}\">");
        for lang in Lang::ALL {
            for (name, html) in all_pages(lang) {
                for form in forms(&html) {
                    let (open, body) = form.split_once('>').unwrap();
                    assert!(open.contains("method=\"post\""), "{name}: {open}");
                    let first_input = body.find("<input").unwrap();
                    assert_eq!(
                        body[first_input..].find(&first_field),
                        Some(0),
                        "{name}: {form}"
                    );
                    for other in ["<textarea", "<select", "<button"] {
                        if let Some(i) = body.find(other) {
                            assert!(i > first_input, "{name}: {other} before the token");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn forms_where_the_flows_need_them() {
        for lang in Lang::ALL {
            let code = lang.code();
            let landing = landing(&ctx(lang, "", false));
            assert!(landing.contains(&format!("action=\"/{code}/generate\"")));
            assert!(landing.contains(&format!("href=\"/{code}/login\"")));

            let login = login(&ctx(lang, "login", false), None);
            assert!(login.contains(&format!("action=\"/{code}/login\"")));
            assert!(login.contains("<label for=\"codename\">"));
            assert!(login.contains(
                "<input id=\"codename\" name=\"codename\" type=\"password\" autocomplete=\"off\" \
                 autocapitalize=\"none\" spellcheck=\"false\" required maxlength=\"256\""
            ));
            assert!(!login.contains("class=\"error\""));

            let failed = super::login(&ctx(lang, "login", false), Some("login-error-word-count"));
            assert!(failed.contains("<p class=\"error\" role=\"alert\">"));
            assert!(failed.contains(&i18n::t(lang, "login-error-word-count")));

            let home = home(&ctx(lang, "home", true), &view(false, Vec::new()));
            assert!(home.contains(&format!(
                "<form method=\"post\" action=\"/{code}/submit\" enctype=\"multipart/form-data\">"
            )));
            assert!(home.contains("<label for=\"message\">"));
            assert!(home.contains(
                "<textarea id=\"message\" name=\"message\" maxlength=\"100000\" rows=\"8\""
            ));
            assert!(home.contains("<label for=\"files\">"));
            assert!(home.contains("<input id=\"files\" name=\"files\" type=\"file\" multiple"));
            assert!(home.contains(&format!("action=\"/{code}/logout\"")));
            assert!(home.contains(&i18n::t(lang, "home-unknown")));
            assert!(home.contains(&i18n::t(lang, "home-replies-none")));
            assert_eq!(
                home.matches("/logout\"").count(),
                1,
                "one logout form on home"
            );
            assert!(home.contains("7-Zip"));
            assert!(home.contains(&i18n::size_mib(lang, 500)));
            assert!(home.contains(&i18n::size_mib(lang, 2048)));
            assert!(home.contains(&i18n::number(lang, 100_000)));
        }
    }

    #[test]
    fn language_switch_links_to_the_same_page() {
        let html = login(&ctx(Lang::Ru, "login", false), None);
        assert!(html.contains("aria-label=\"Язык\""));
        assert!(html.contains("<a href=\"/en/login\" hreflang=\"en\" lang=\"en\">English</a>"));
        assert!(html.contains(
            "<a href=\"/ru/login\" hreflang=\"ru\" lang=\"ru\" aria-current=\"page\">Русский</a>"
        ));
        assert_eq!(html.matches("aria-current").count(), 1);
        let landing = landing(&ctx(Lang::En, "", false));
        assert!(landing.contains("href=\"/ru/\""));
        assert!(
            landing.contains("href=\"/en/\" hreflang=\"en\" lang=\"en\" aria-current=\"page\"")
        );
        // The codename page has no switch: leaving it would lose the codename.
        let code = codename(&ctx(Lang::En, "", true), "a b c d e f g");
        assert!(!code.contains("hreflang"));
        assert!(!code.contains("<form"));
    }

    #[test]
    fn header_logout_only_when_logged_in() {
        let out = logged_out(&ctx(Lang::En, "", false));
        assert!(!out.contains("/logout\""));
        let sub = submitted(&ctx(Lang::En, "home", true), 1, false);
        assert!(sub.contains("action=\"/en/logout\""));
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;";
        for lang in Lang::ALL {
            let page = codename(&ctx(lang, "", true), EVIL);
            assert!(page.contains("class=\"codename\""));
            assert!(page.contains(escaped) && !page.contains(EVIL));

            let replies = vec![ReplyView {
                id: "\"><b>".to_owned(),
                day: EVIL.to_owned(),
                text: EVIL.to_owned(),
            }];
            let page = home(&ctx(lang, "home", true), &view(true, replies));
            assert!(page.contains(&format!("<pre class=\"reply\">{escaped}</pre>")));
            assert!(page.contains(&format!(
                "<p class=\"notice\" role=\"status\">notice {escaped}</p>"
            )));
            assert!(!page.contains(EVIL) && !page.contains("\"><b>"));

            let c = Ctx {
                csrf: "\"><script>".to_owned(),
                path_rest: EVIL.to_owned(),
                ..ctx(lang, "", true)
            };
            for html in [landing(&c), error(&c, 400, EVIL), submitted(&c, 0, true)] {
                assert!(!html.to_lowercase().contains("<script"), "{html}");
            }
        }
    }

    #[test]
    fn replies_in_the_given_order_with_their_day() {
        let replies = vec![
            ReplyView {
                id: "b".to_owned(),
                day: "2026-02-01".to_owned(),
                text: "newer".to_owned(),
            },
            ReplyView {
                id: "a".to_owned(),
                day: "2026-01-01".to_owned(),
                text: "older".to_owned(),
            },
        ];
        let html = home(&ctx(Lang::En, "home", true), &view(true, replies));
        let newer = html.find("<pre class=\"reply\">newer</pre>").unwrap();
        let older = html.find("<pre class=\"reply\">older</pre>").unwrap();
        assert!(newer < older);
        // The day in words, not in ISO form.
        assert!(html.contains("Reply from 1 February 2026"));
        assert!(!html.contains(&i18n::t(Lang::En, "home-replies-none")));
        assert!(!html.contains(&i18n::t(Lang::En, "home-unknown")));
    }

    #[test]
    fn submitted_counts() {
        let en = |files, message| submitted(&ctx(Lang::En, "", true), files, message);
        assert!(en(1, false).contains("1 file was encrypted and stored."));
        assert!(en(3, false).contains("3 files were encrypted and stored."));
        assert!(en(1, true).contains("Your message and 1 file were encrypted and stored."));
        assert!(en(0, true).contains("Your message was encrypted and stored."));
        assert!(en(0, false).contains(&i18n::t(Lang::En, "submitted-nothing")));
        assert!(en(1, true).contains("href=\"/en/home\""));
    }

    #[test]
    fn an_unknown_organisation_is_not_an_empty_link() {
        let c = Ctx {
            org: " ".to_owned(),
            ..ctx(Lang::En, "", false)
        };
        let html = landing(&c);
        assert!(html.contains("<title>Send documents securely · Postern</title>"));
        assert!(html.contains("<a href=\"/en/\">Postern</a>"));
        assert!(html.contains("journalists at Postern."));
    }

    #[test]
    fn stylesheet_loads_nothing() {
        let css = include_str!("../../../static/style.css").to_lowercase();
        for bad in ["url(", "@import", "@font-face", "http:", "https:", "//"] {
            assert!(!css.contains(bad), "style.css contains {bad}");
        }
        assert_eq!(css.matches('{').count(), css.matches('}').count());
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(css.contains("overflow-wrap: anywhere"));
    }

    #[test]
    fn error_pages_show_status_and_message() {
        for id in [
            "error-not-found",
            "error-bad-request",
            "error-csrf",
            "error-too-large",
            "error-message-too-long",
            "error-server",
            "error-disk-full",
            "error-method",
        ] {
            for lang in Lang::ALL {
                let html = error(&ctx(lang, "", false), 413, id);
                let message = i18n::t(lang, id);
                assert_ne!(message, id);
                assert!(html.contains(&message), "{id}");
                assert!(html.contains("413"));
                assert!(html.contains(&format!("href=\"/{}/\"", lang.code())));
            }
        }
    }
}
