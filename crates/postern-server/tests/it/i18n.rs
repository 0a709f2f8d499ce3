//! Every language, in process: every English message id exists in every locale, plural forms
//! at 0, 1, 2, 5, 21, 22, 25 and 101, every page of the source interface in every language without
//! an English sentence (no fallback shown), `dir="rtl"` in Persian and Arabic, and the flow fixes
//! of the language issue: the new-source welcome, the non-Latin keyboard hint, post/redirect/get
//! after a submission, the expired codename page, the 413 page that keeps the message. The
//! journalist interface's pages too, in every language, through its language switch.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use postern_server::web::kit::i18n::{self, Arg, Lang};

use crate::web::{Browser, Harness, csrf_of};

const COUNTS: [u64; 8] = [0, 1, 2, 5, 21, 22, 25, 101];

/// The Fluent files of each language: the source interface's, the journalist interface's and
/// the source interface's two guides.
const FILES: [&str; 3] = ["postern.ftl", "journalist.ftl", "guides.ftl"];

fn ftl_file(lang: Lang, file: &str) -> String {
    let path = format!(
        "{}/locales/{}/{file}",
        env!("CARGO_MANIFEST_DIR"),
        lang.fluent_tag()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Both files of a language, one after the other (the ids of the two never overlap).
fn ftl(lang: Lang) -> String {
    FILES.map(|f| ftl_file(lang, f)).join("\n")
}

/// The message ids of a Fluent file (terms included), in order.
fn ids(ftl: &str) -> Vec<String> {
    ftl.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-'))
        .filter_map(|line| line.split_once('='))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

/// Every argument any message uses.
fn args() -> Vec<(&'static str, Arg)> {
    vec![
        ("org", Arg::from("Test newsroom")),
        ("files", Arg::Num(3)),
        ("status", Arg::Num(404)),
        ("day", Arg::Num(1)),
        ("month", Arg::Num(2)),
        ("year", Arg::Num(2026)),
        ("file", Arg::from("1 MB")),
        ("request", Arg::from("2 MB")),
        ("chars", Arg::from("3")),
        ("chars_n", Arg::Num(3)),
        ("n", Arg::from("4")),
        ("user", Arg::from("alice")),
        ("item", Arg::from("0123.age")),
        ("command", Arg::from("postern-review export-replies")),
        ("designation", Arg::from("brave otter")),
        ("sources", Arg::Num(2)),
        ("new", Arg::Num(5)),
        ("items", Arg::Num(21)),
        ("already", Arg::Num(1)),
        ("size", Arg::from("64 MB")),
        ("reason", Arg::from("bad signature")),
        ("have", Arg::from("1.0 GiB")),
        ("percent", Arg::Num(25)),
        ("kind", Arg::from("File")),
        ("name", Arg::from("0123.age")),
        ("what", Arg::from("File 0123.age (1.0 KiB)")),
        ("speed", Arg::from("5 MB/s")),
        ("total", Arg::from("3.0 GiB")),
        ("parts", Arg::Num(3)),
        ("part", Arg::Num(2)),
        ("id", Arg::from("0123456789abcdef0123456789abcdef")),
    ]
}

#[test]
fn every_locale_folder_is_a_language_and_has_every_english_id() {
    let dir = format!("{}/locales", env!("CARGO_MANIFEST_DIR"));
    let folders: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let tags: BTreeSet<String> = Lang::ALL
        .iter()
        .map(|l| l.fluent_tag().to_owned())
        .collect();
    assert_eq!(folders, tags, "one folder per language, no more");
    assert_eq!(Lang::ALL.len(), 11);
    for file in FILES {
        same_ids_in_every_language(file);
    }
}

fn same_ids_in_every_language(file: &str) {
    let en = ids(&ftl_file(Lang::En, file));
    assert!(
        en.len() > 45,
        "only {} ids in {file}: is the parser right?",
        en.len()
    );
    let en_set: BTreeSet<_> = en.iter().cloned().collect();
    for lang in Lang::ALL {
        let text = ftl_file(lang, file);
        if let Err((_, errors)) =
            fluent_templates::fluent_bundle::FluentResource::try_new(text.clone())
        {
            panic!("{lang:?} does not parse: {errors:?}");
        }
        let got = ids(&text);
        let set: BTreeSet<_> = got.iter().cloned().collect();
        assert_eq!(set.len(), got.len(), "duplicate ids in {lang:?}");
        let missing: Vec<_> = en_set.difference(&set).collect();
        let extra: Vec<_> = set.difference(&en_set).collect();
        assert!(
            missing.is_empty(),
            "missing in {lang:?} {file}: {missing:?}"
        );
        assert!(extra.is_empty(), "only in {lang:?} {file}: {extra:?}");
    }
}

#[test]
fn every_message_resolves_in_its_own_words() {
    let args = args();
    for lang in Lang::ALL {
        for id in ids(&ftl(Lang::En)).iter().filter(|id| !id.starts_with('-')) {
            let text = i18n::t_args(lang, id, &args);
            assert_ne!(&text, id, "{id} does not resolve in {lang:?}");
            assert!(!text.contains('\u{2068}'), "isolation marks in {id}");
            if lang == Lang::En {
                continue;
            }
            // A sentence of four words or more that reads exactly as in English was not
            // translated (names and commands are shorter, or differ around them).
            let english = i18n::t_args(Lang::En, id, &args);
            if english.split_whitespace().count() >= 4 {
                assert_ne!(text, english, "{id} in {lang:?} is English");
            }
        }
    }
}

#[test]
fn plurals_at_every_count_in_every_language() {
    let files = |lang, n| i18n::t_args(lang, "submitted-files", &[("files", Arg::Num(n))]);
    let chars = |lang, n: u64| {
        i18n::t_args(
            lang,
            "home-limits",
            &[
                ("file", Arg::from("1 MB")),
                ("request", Arg::from("2 MB")),
                ("chars", Arg::Str(n.to_string())),
                ("chars_n", Arg::Num(n)),
            ],
        )
    };
    for lang in Lang::ALL {
        for n in COUNTS {
            let text = files(lang, n);
            assert_ne!(text, "submitted-files", "{lang:?} {n}");
            assert_ne!(chars(lang, n), "home-limits", "{lang:?} {n}");
            if lang != Lang::En {
                assert_ne!(text, files(Lang::En, n), "{lang:?} {n}");
            }
        }
    }
    // The forms, where the language has more than one.
    let starts = |lang, n, want: &str| {
        let text = files(lang, n);
        assert!(text.starts_with(want), "{lang:?} {n}: {text}");
    };
    for (lang, forms) in [
        (
            Lang::En,
            [
                "0 files",
                "1 file ",
                "2 files",
                "5 files",
                "21 files",
                "22 files",
                "25 files",
                "101 files",
            ],
        ),
        (
            Lang::Ru,
            [
                "0 файлов",
                "1 файл ",
                "2 файла",
                "5 файлов",
                "21 файл ",
                "22 файла",
                "25 файлов",
                "101 файл ",
            ],
        ),
        (
            Lang::Uk,
            [
                "0 файлів",
                "1 файл ",
                "2 файли",
                "5 файлів",
                "21 файл ",
                "22 файли",
                "25 файлів",
                "101 файл ",
            ],
        ),
        (
            Lang::Be,
            [
                "0 файлаў",
                "1 файл ",
                "2 файлы",
                "5 файлаў",
                "21 файл ",
                "22 файлы",
                "25 файлаў",
                "101 файл ",
            ],
        ),
        (
            Lang::Fr,
            [
                "0 fichier ",
                "1 fichier ",
                "2 fichiers",
                "5 fichiers",
                "21 fichiers",
                "22 fichiers",
                "25 fichiers",
                "101 fichiers",
            ],
        ),
        (
            Lang::De,
            [
                "0 Dateien",
                "1 Datei ",
                "2 Dateien",
                "5 Dateien",
                "21 Dateien",
                "22 Dateien",
                "25 Dateien",
                "101 Dateien",
            ],
        ),
        (
            Lang::Es,
            [
                "0 archivos",
                "1 archivo ",
                "2 archivos",
                "5 archivos",
                "21 archivos",
                "22 archivos",
                "25 archivos",
                "101 archivos",
            ],
        ),
    ] {
        for (n, want) in COUNTS.into_iter().zip(forms) {
            starts(lang, n, want);
        }
    }
    // Arabic has six forms: zero, one, two, few (3–10), many (11–99), other (100–102).
    let ar: Vec<String> = COUNTS.into_iter().map(|n| files(Lang::Ar, n)).collect();
    assert!(ar[0].contains("لم يُحفظ"), "{}", ar[0]);
    assert!(ar[1].contains("ملف واحد"), "{}", ar[1]);
    assert!(ar[2].contains("ملفان"), "{}", ar[2]);
    assert!(ar[3].contains("5 ملفات"), "{}", ar[3]);
    assert!(ar[4].contains("21 ملفًا"), "{}", ar[4]);
    assert!(ar[7].contains("101 ملف "), "{}", ar[7]);
    let distinct: BTreeSet<_> = [&ar[0], &ar[1], &ar[2], &ar[3], &ar[4], &ar[7]]
        .into_iter()
        .map(|s| s.replace(|c: char| c.is_ascii_digit(), ""))
        .collect();
    assert_eq!(distinct.len(), 6, "{ar:?}");
    // Chinese, Turkish and Persian do not inflect the noun after a number.
    for lang in [Lang::Zh, Lang::Tr, Lang::Fa] {
        for n in COUNTS {
            assert!(files(lang, n).starts_with(&n.to_string()), "{lang:?} {n}");
        }
    }
}

/// The text of a page, tags removed and the escapes askama writes undone.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
}

/// The English sentences of four words or more, from every message: none may appear on a page in
/// `lang`. A sentence that the translation itself keeps (a command such as `7z a -v1g parts.7z`)
/// is left out.
fn english_sentences(lang: Lang) -> Vec<String> {
    let args = args();
    let mut out = BTreeSet::new();
    for id in ids(&ftl(Lang::En)).iter().filter(|id| !id.starts_with('-')) {
        let text = i18n::t_args(Lang::En, id, &args);
        let own = i18n::t_args(lang, id, &args);
        for sentence in text.split(['.', ':', '?']) {
            let sentence = sentence.trim();
            if sentence.split_whitespace().count() >= 4 && !own.contains(sentence) {
                out.insert(sentence.to_owned());
            }
        }
    }
    out.into_iter().collect()
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, usize)>) -> (String, Vec<u8>) {
    let boundary = "postern-i18n-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, len)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(std::iter::repeat_n(b'x', len));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A multipart body of text `fields`, then one file field `name` holding `data`.
fn multipart_file(fields: &[(&str, &str)], name: &str, data: &[u8]) -> (String, Vec<u8>) {
    let (ct, mut body) = multipart(fields, None);
    let end = "--postern-i18n-boundary--\r\n";
    body.truncate(body.len() - end.len());
    body.extend_from_slice(
        format!(
            "--postern-i18n-boundary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"replies.tar\"\r\nContent-Type: application/x-tar\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(end.as_bytes());
    (ct, body)
}

fn spool_of(h: &Harness) -> postern_spool::spool::Spool {
    postern_spool::spool::Spool::open(&h.data.join("spool")).unwrap()
}

/// The sources of the spool now.
fn sources_of(h: &Harness) -> BTreeSet<postern_spool::ids::SourceId> {
    spool_of(h).sources().unwrap().into_iter().collect()
}

/// A reply bundle with `text` for `source`, signed with `key` (the pinned newsroom key, or
/// another one).
fn reply_bundle(
    h: &Harness,
    source: &postern_spool::ids::SourceId,
    text: &str,
    key: &postern_spool::keys::SigningKey,
) -> Vec<u8> {
    let spool = spool_of(h);
    let bytes = std::fs::read(spool.source_record_path(source)).unwrap();
    let record =
        postern_spool::record::SourceRecord::parse_verified(&bytes, &h.server_key).unwrap();
    let day = postern_spool::day::Day(20_788);
    let mut rng = rand::rng();
    let reply =
        postern_spool::replies::seal_reply(&mut rng, text, &record, &h.recipients, day, key)
            .unwrap();
    postern_spool::replies::write_reply_bundle(&mut rng, Vec::new(), day, key, &[reply]).unwrap()
}

/// The one source that appeared since `before`.
fn new_source(
    h: &Harness,
    before: &BTreeSet<postern_spool::ids::SourceId>,
) -> postern_spool::ids::SourceId {
    let now = sources_of(h);
    let fresh: Vec<_> = now.difference(before).copied().collect();
    assert_eq!(fresh.len(), 1, "one new source");
    fresh[0]
}

/// Renames the first entry of the tar stream `tar` (and mends its header's checksum).
fn retitle(tar: &mut [u8], name: &[u8]) {
    tar[..100].fill(0);
    tar[..name.len()].copy_from_slice(name);
    tar[148..156].fill(b' ');
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// Where the last entry of the tar stream `tar` starts (walking the headers' sizes; a GNU long
/// name belongs to the entry after it).
fn last_entry_start(tar: &[u8]) -> usize {
    let mut at = 0;
    let mut last = 0;
    let mut long_name = None;
    while at + 512 <= tar.len() && tar[at] != 0 {
        let size = std::str::from_utf8(&tar[at + 124..at + 135]).unwrap();
        let size = usize::from_str_radix(size.trim_matches(|c| c == '\0' || c == ' '), 8).unwrap();
        if tar[at + 156] == b'L' {
            long_name.get_or_insert(at);
        } else {
            last = long_name.take().unwrap_or(at);
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    last
}

/// The `value` of the first hidden input `name` after `after` in `html`.
fn hidden_after(html: &str, after: &str, name: &str) -> String {
    let from = html.find(after).unwrap_or_else(|| panic!("no {after}"));
    let rest = &html[from..];
    let at = format!("name=\"{name}\" value=\"");
    let i = rest
        .find(&at)
        .unwrap_or_else(|| panic!("no {name} after {after}"))
        + at.len();
    let end = rest[i..].find('"').unwrap() + i;
    rest[i..end].to_owned()
}

/// Walks a source through every page in `lang` and returns (name, status, html) of each.
async fn walk(h: &Harness, lang: Lang) -> Vec<(&'static str, StatusCode, String)> {
    let code = lang.code();
    let mut b = Browser::new(&h.source);
    let mut pages = Vec::new();
    let landing = b.get(&format!("/{code}/")).await;
    let csrf = csrf_of(&landing.body);
    pages.push(("landing", landing.status, landing.body));
    let safety = b.get(&format!("/{code}/safety")).await;
    pages.push(("safety", safety.status, safety.body));
    let large = b.get(&format!("/{code}/large")).await;
    pages.push(("large", large.status, large.body));
    let codename = b
        .post_form(&format!("/{code}/generate"), &[("csrf", &csrf)])
        .await;
    pages.push(("codename", codename.status, codename.body));
    let again = b
        .post_form(&format!("/{code}/generate"), &[("csrf", &csrf)])
        .await;
    pages.push(("codename-expired", again.status, again.body));
    let home = b.get(&format!("/{code}/home")).await;
    let csrf = csrf_of(&home.body);
    pages.push(("home-new", home.status, home.body));
    let (ct, body) = multipart(&[("csrf", &csrf)], None);
    let empty = b
        .send(
            "POST",
            &format!("/{code}/submit"),
            &[("content-type", &ct)],
            &body,
        )
        .await;
    pages.push(("nothing-sent", empty.status, empty.body));
    let before = sources_of(h);
    let (ct, body) = multipart(&[("csrf", &csrf), ("message", "hello")], None);
    let sent = b
        .send(
            "POST",
            &format!("/{code}/submit"),
            &[("content-type", &ct), ("sec-fetch-mode", "navigate")],
            &body,
        )
        .await;
    assert_eq!(
        sent.status,
        StatusCode::SEE_OTHER,
        "{lang:?}: {}",
        sent.body
    );
    let thanks = b.get(&format!("/{code}/submit")).await;
    pages.push(("submitted", thanks.status, thanks.body));
    let home = b.get(&format!("/{code}/home")).await;
    pages.push(("home", home.status, home.body));
    // The newsroom replies: the home page shows the reply, then deletes it on request.
    let source = new_source(h, &before);
    let newsroom = h.newsroom.as_ref().expect("a pinned newsroom key");
    let bundle = reply_bundle(h, &source, "REPLY-MARKER merci, спасибо", newsroom);
    postern_server::storage::replies::import_into(
        &spool_of(h),
        Some(&newsroom.verifying_key()),
        &h.server_key,
        bundle.as_slice(),
    )
    .unwrap();
    let replies = b.get(&format!("/{code}/home")).await;
    assert!(
        replies
            .body
            .contains("<pre class=\"reply\">REPLY-MARKER merci, спасибо</pre>"),
        "{lang:?}: {}",
        replies.body
    );
    let reply = hidden_after(&replies.body, "/replies/delete\"", "reply");
    pages.push(("replies", replies.status, replies.body));
    let deleted = b
        .post_form(
            &format!("/{code}/replies/delete"),
            &[("csrf", &csrf), ("reply", &reply)],
        )
        .await;
    pages.push(("reply-deleted", deleted.status, deleted.body));
    let (ct, body) = multipart(
        &[("csrf", &csrf), ("message", "kept")],
        Some(("big.bin", 3 << 20)),
    );
    let big = b
        .send(
            "POST",
            &format!("/{code}/submit"),
            &[("content-type", &ct)],
            &body,
        )
        .await;
    pages.push(("too-large", big.status, big.body));
    // The cookie of the session about to end: sent again later, it finds the session gone.
    let stale = b.cookie_header().unwrap_or_default();
    let out = b
        .post_form(&format!("/{code}/logout"), &[("csrf", &csrf)])
        .await;
    pages.push(("logged-out", out.status, out.body));
    let login = b.get(&format!("/{code}/login")).await;
    let csrf = csrf_of(&login.body);
    pages.push(("login", login.status, login.body));
    let wrong = b
        .post_form(
            &format!("/{code}/login"),
            &[("csrf", &csrf), ("codename", "one two three")],
        )
        .await;
    pages.push(("login-error", wrong.status, wrong.body));
    let cyrillic = b
        .post_form(
            &format!("/{code}/login"),
            &[("csrf", &csrf), ("codename", "щтуб ецщб ерхуу")],
        )
        .await;
    pages.push(("login-keyboard", cyrillic.status, cyrillic.body));
    let missing = b.get(&format!("/{code}/no-such-page")).await;
    pages.push(("not-found", missing.status, missing.body));
    // Anonymous pages make no session, so "expired" needs a cookie of one that ended.
    let expired = crate::web::send(
        &h.source,
        "GET",
        &format!("/{code}/home"),
        &[("cookie", &stale)],
        b"",
    )
    .await;
    pages.push(("expired", expired.status, expired.body));
    // No room in the codename derivation queue: the calm "busy" page (a 503).
    let full = Harness::new(|l| l.argon2_queue = 0);
    let mut c = Browser::new(&full.source);
    let landing = c.get(&format!("/{code}/")).await;
    let busy = c
        .post_form(
            &format!("/{code}/generate"),
            &[("csrf", &csrf_of(&landing.body))],
        )
        .await;
    pages.push(("busy", busy.status, busy.body));
    pages
}

/// The pages the in-process walk of the source interface renders, in its order (the browser
/// walk in `tests/e2e/i18n_browser.rs` covers the same set).
const SOURCE_PAGES: [&str; 19] = [
    "landing",
    "safety",
    "large",
    "codename",
    "codename-expired",
    "home-new",
    "nothing-sent",
    "submitted",
    "home",
    "replies",
    "reply-deleted",
    "too-large",
    "logged-out",
    "login",
    "login-error",
    "login-keyboard",
    "not-found",
    "expired",
    "busy",
];

fn harness() -> Harness {
    Harness::with_newsroom(|l| {
        l.max_file_bytes = 1 << 20;
        l.max_request_bytes = 2 << 20;
    })
}

#[tokio::test]
async fn every_page_in_every_language_is_in_that_language() {
    let h = harness();
    for lang in Lang::ALL {
        let english = english_sentences(lang);
        assert!(
            lang == Lang::En || english.len() > 60,
            "{lang:?}: {}",
            english.len()
        );
        let pages = walk(&h, lang).await;
        let names: Vec<&str> = pages.iter().map(|p| p.0).collect();
        assert_eq!(names, SOURCE_PAGES, "{lang:?}");
        let status = |n: &str| pages.iter().find(|p| p.0 == n).map(|p| p.1.as_u16());
        assert_eq!(status("replies"), Some(200), "{lang:?}");
        assert_eq!(status("reply-deleted"), Some(200), "{lang:?}");
        assert_eq!(status("busy"), Some(503), "{lang:?}");
        let (_, _, deleted) = pages.iter().find(|p| p.0 == "reply-deleted").unwrap();
        assert!(
            deleted.contains(&i18n::t(lang, "notice-reply-deleted"))
                && !deleted.contains("REPLY-MARKER"),
            "{lang:?}: {deleted}"
        );
        let (_, _, busy) = pages.iter().find(|p| p.0 == "busy").unwrap();
        assert!(busy.contains(&i18n::t(lang, "busy-heading")), "{lang:?}");
        for (name, status, html) in pages {
            assert!(
                html.contains(&format!(
                    "<html lang=\"{}\" dir=\"{}\">",
                    lang.html_lang(),
                    lang.dir()
                )),
                "{lang:?} {name} ({status}): {html}"
            );
            assert!(!html.contains("&#60;"), "{lang:?} {name}: escaped markup");
            if lang == Lang::En {
                continue;
            }
            let text = text_of(&html);
            for sentence in &english {
                assert!(
                    !text.contains(sentence.as_str()),
                    "{lang:?} {name} shows English: {sentence:?}\n{text}"
                );
            }
        }
    }
}

#[tokio::test]
async fn right_to_left_pages_and_left_to_right_codenames() {
    let h = harness();
    for lang in [Lang::Fa, Lang::Ar] {
        for (name, _, html) in walk(&h, lang).await {
            assert!(html.contains("dir=\"rtl\""), "{lang:?} {name}");
            if name == "codename" {
                assert!(
                    html.contains(
                        "<p class=\"codename\" translate=\"no\" lang=\"en\" dir=\"ltr\">"
                    ),
                    "{html}"
                );
            }
        }
    }
    for (_, _, html) in walk(&h, Lang::De).await {
        assert!(html.contains("dir=\"ltr\"") && !html.contains("dir=\"rtl\""));
    }
}

#[tokio::test]
async fn flow_fixes() {
    let h = harness();
    for lang in Lang::ALL {
        let pages = walk(&h, lang).await;
        let page = |n: &str| {
            pages
                .iter()
                .find(|(name, _, _)| *name == n)
                .map(|(_, s, html)| (*s, html.clone()))
                .unwrap()
        };
        let t = |id| i18n::t(lang, id);
        // A brand-new source is welcomed, not told to check its codename for typos.
        let (_, home) = page("home-new");
        assert!(home.contains(&t("home-welcome")), "{lang:?}");
        assert!(!home.contains(&t("home-unknown")), "{lang:?}");
        // The codename page says the words are English, typed in Latin letters.
        let (status, codename) = page("codename");
        assert_eq!(status, StatusCode::OK);
        assert!(codename.contains(&t("codename-latin")), "{lang:?}");
        // Sent again (a reload): a calm page that links to a new codename, not "forged form".
        let (_, expired) = page("codename-expired");
        assert!(expired.contains(&t("codename-expired-heading")), "{lang:?}");
        assert!(!expired.contains(&t("error-csrf")), "{lang:?}");
        assert!(expired.contains(&format!("href=\"/{}/\"", lang.code())));
        // "Nothing was sent" is a warning, not a success.
        let (_, nothing) = page("nothing-sent");
        assert!(
            nothing.contains(&format!(
                "<p class=\"warning\" role=\"status\">{}",
                t("notice-nothing-sent")
            )),
            "{lang:?}"
        );
        // After the redirect, the thank-you page; a reload of it sends nothing.
        let (status, thanks) = page("submitted");
        assert_eq!(status, StatusCode::OK);
        assert!(thanks.contains(&t("submitted-message")), "{lang:?}");
        // Too large: the form again, the reason tied to its fields, the limits, the message kept.
        let (status, big) = page("too-large");
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(big.contains(&t("error-too-large")), "{lang:?}");
        assert!(big.contains(&t("error-message-kept")), "{lang:?}");
        assert!(big.contains(">kept</textarea>"), "{lang:?}: {big}");
        assert!(big.contains("aria-describedby=\"form-error limits\""));
        assert!(big.contains(&i18n::size_mib(lang, 1)) && big.contains(&i18n::size_mib(lang, 2)));
        assert!(big.contains(&format!("action=\"/{}/submit\"", lang.code())));
        // A codename typed with a Cyrillic layout: switch the keyboard.
        let (status, keyboard) = page("login-keyboard");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(keyboard.contains(&t("login-error-keyboard")), "{lang:?}");
        assert!(keyboard.contains("aria-describedby=\"codename-error codename-hint\""));
        // A 404 under a language prefix is in that language.
        let (status, missing) = page("not-found");
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(missing.contains(&t("error-not-found")), "{lang:?}");
    }
}

#[tokio::test]
async fn post_redirect_get_after_a_submission() {
    let h = harness();
    let mut b = Browser::new(&h.source);
    let landing = b.get("/ru/").await;
    b.post_form("/ru/generate", &[("csrf", &csrf_of(&landing.body))])
        .await;
    let csrf = csrf_of(&b.get("/ru/home").await.body);
    let (ct, body) = multipart(&[("csrf", &csrf), ("message", "первое")], None);
    let r = b
        .send(
            "POST",
            "/ru/submit",
            &[("content-type", &ct), ("sec-fetch-mode", "navigate")],
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/ru/submit"));
    let items = || {
        let mut n = 0;
        for d in walkdir(&h.data.join("spool").join("sources")) {
            n += usize::from(d.extension().is_some_and(|e| e == "age"));
        }
        n
    };
    let stored = items();
    assert!(stored >= 1, "the message was stored");
    // Reloading the thank-you page (a GET) shows it again and stores nothing more.
    for _ in 0..2 {
        let page = b.get("/ru/submit").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("Ваше сообщение зашифровано и сохранено.")
        );
    }
    assert_eq!(items(), stored);
    // Without a submission in the session, the GET leads home.
    let mut other = Browser::new(&h.source);
    let landing = other.get("/en/").await;
    other
        .post_form("/en/generate", &[("csrf", &csrf_of(&landing.body))])
        .await;
    let r = other.get("/en/submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/en/home"));
    // A script (no Sec-Fetch-Mode) still gets the thank-you page itself.
    let csrf = csrf_of(&other.get("/en/home").await.body);
    let (ct, body) = multipart(&[("csrf", &csrf), ("message", "second")], None);
    let r = other
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Your message was encrypted and stored."));
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn a_login_with_an_unseen_codename_still_gets_the_typo_note() {
    let h = harness();
    let mut b = Browser::new(&h.source);
    let landing = b.get("/en/").await;
    let page = b
        .post_form("/en/generate", &[("csrf", &csrf_of(&landing.body))])
        .await;
    let start = page.body.find("class=\"codename\"").unwrap();
    let rest = &page.body[start..];
    let codename = rest[rest.find('>').unwrap() + 1..rest.find("</").unwrap()].to_owned();
    let login = b.get("/en/login").await;
    let r = b
        .post_form(
            "/en/login",
            &[("csrf", &csrf_of(&login.body)), ("codename", &codename)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = b.get("/en/home").await;
    assert!(home.body.contains(&i18n::t(Lang::En, "home-unknown")));
    assert!(!home.body.contains(&i18n::t(Lang::En, "home-welcome")));
}

/// The two guides: linked from the landing and home pages, in every language, with the time
/// table written in the language's words and numbers.
#[tokio::test]
async fn the_staying_safe_and_big_archive_pages() {
    let h = harness();
    for lang in Lang::ALL {
        let pages = walk(&h, lang).await;
        let page = |n: &str| {
            pages
                .iter()
                .find(|(name, _, _)| *name == n)
                .map(|(_, s, html)| (*s, html.clone()))
                .unwrap()
        };
        let code = lang.code();
        let t = |id| i18n::t(lang, id);
        let (_, landing) = page("landing");
        assert!(
            landing.contains(&format!(
                "<a href=\"/{code}/safety\">{}</a>",
                t("landing-safety-more")
            )),
            "{lang:?}"
        );
        let (_, home) = page("home-new");
        assert!(
            home.contains(&format!(
                "<a href=\"/{code}/large\">{}</a>",
                t("home-large-more")
            )),
            "{lang:?}"
        );
        let (status, safety) = page("safety");
        assert_eq!(status, StatusCode::OK);
        for id in [
            "safety-promise-2",
            "safety-bridges-1",
            "safety-bridges-2",
            "safety-metadata-1",
            "safety-metadata-3",
            "safety-logged-1",
            "safety-knows-yes",
            "safety-knows-no",
            "safety-after-1",
        ] {
            assert!(text_of(&safety).contains(&t(id)), "{lang:?} {id}");
        }
        // Bridges where Tor is blocked: the four countries are named in every language.
        let bridges = t("safety-bridges-1");
        assert!(
            bridges.split(['.', '。', ',', '،', '、', '，']).count() >= 2,
            "{lang:?}"
        );
        let (status, large) = page("large");
        assert_eq!(status, StatusCode::OK);
        let minutes = |n| i18n::t_args(lang, "large-minutes", &[("n", Arg::Num(n))]);
        let hours = |n| i18n::t_args(lang, "large-hours", &[("n", Arg::Num(n))]);
        // 1 GB at 1 and 5 MB/s, 10 GB, 100 GB: 1000 s, 200 s, 10 000 s, 2000 s, 100 000 s,
        // 20 000 s.
        let want = [
            minutes(17),
            minutes(4),
            hours(3),
            minutes(34),
            hours(28),
            hours(6),
        ];
        for (i, cell) in want.iter().enumerate() {
            assert!(
                large.contains(&format!("<td>{cell}</td>")),
                "{lang:?} cell {i}: {cell}\n{large}"
            );
        }
        for gb in [1, 10, 100] {
            let size = i18n::size_mib(lang, gb * 1024);
            assert!(
                large.contains(&format!("<th scope=\"row\">{size}</th>")),
                "{lang:?} {size}"
            );
        }
        assert!(large.contains("postern-send --to http://ADDRESS.onion"));
        assert!(large.contains("<caption id=\"estimate-caption\">"));
    }
    // The words, where a language has more than one form.
    let m = |lang, n| i18n::t_args(lang, "large-minutes", &[("n", Arg::Num(n))]);
    let hr = |lang, n| i18n::t_args(lang, "large-hours", &[("n", Arg::Num(n))]);
    assert_eq!(m(Lang::En, 17), "17 minutes");
    assert_eq!(hr(Lang::En, 28), "about 28 hours");
    assert_eq!(m(Lang::Ru, 4), "4 минуты");
    assert_eq!(m(Lang::Ru, 17), "17 минут");
    assert_eq!(hr(Lang::Ru, 21), "около 21 часа");
    assert_eq!(hr(Lang::Ru, 3), "около 3 часов");
    assert_eq!(m(Lang::Uk, 34), "34 хвилини");
    assert_eq!(m(Lang::Be, 34), "34 хвіліны");
    assert_eq!(m(Lang::Be, 17), "17 хвілін");
    assert_eq!(m(Lang::Ar, 4), "4 دقائق");
    assert_eq!(m(Lang::Ar, 17), "17 دقيقة");
    assert_eq!(m(Lang::De, 1), "1 Minute");
}

/// The journalist interface's plural forms resolve at every count, in every language, and pick
/// the right Slavic form.
#[test]
fn journalist_plurals_at_every_count() {
    let summary = |lang, n| {
        i18n::t_args(
            lang,
            "j-sources-summary",
            &[("sources", Arg::Num(n)), ("new", Arg::Num(n))],
        )
    };
    for lang in Lang::ALL {
        for n in COUNTS {
            let text = summary(lang, n);
            assert_ne!(text, "j-sources-summary", "{lang:?} {n}");
            assert!(text.contains(&n.to_string()), "{lang:?} {n}: {text}");
        }
    }
    for (lang, forms) in [
        (
            Lang::Ru,
            ["источников", "источник;", "источника", "источников"],
        ),
        (Lang::Uk, ["джерел", "джерело;", "джерела", "джерел"]),
        (Lang::Be, ["крыніц", "крыніца;", "крыніцы", "крыніц"]),
    ] {
        // 0, 1 / 21 / 101, 2 / 22, 5 / 25.
        for (n, want) in [
            (0, forms[0]),
            (1, forms[1]),
            (21, forms[1]),
            (101, forms[1]),
            (2, forms[2]),
            (22, forms[2]),
            (5, forms[3]),
            (25, forms[3]),
        ] {
            let text = summary(lang, n);
            assert!(
                text.starts_with(&format!("{n} {want}")),
                "{lang:?} {n}: {text}"
            );
        }
    }
    assert!(summary(Lang::En, 1).starts_with("1 source, 1 new item "));
    assert!(summary(Lang::En, 2).starts_with("2 sources, 2 new items "));
}

mod journalist {
    use super::*;
    use crate::web::journalist_login;
    use postern_server::web::journalist::LANG_COOKIE;

    /// A source sends a message, then a journalist walks every page of the journalist interface
    /// in `lang` (switched with the language form on the login page); returns (name, status,
    /// html) of each page.
    pub(crate) async fn walk(h: &Harness, lang: Lang) -> Vec<(&'static str, StatusCode, String)> {
        let mut s = Browser::new(&h.source);
        let csrf = crate::web::new_source(&mut s).await;
        let before = sources_of(h);
        let (ct, body) = crate::web::multipart(&[("csrf", &csrf), ("message", "hello")]);
        let r = s
            .send("POST", "/en/submit", &[("content-type", &ct)], &body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let writer = new_source(h, &before);

        let mut b = Browser::new(&h.journalist);
        let mut pages = Vec::new();
        let login = b.get("/login").await;
        let r = b
            .post_form(
                "/language",
                &[
                    ("csrf", &csrf_of(&login.body)),
                    ("lang", lang.code()),
                    ("back", "/login"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.header("location"), Some("/login"));
        let set = r.header("set-cookie").unwrap_or_default().to_owned();
        assert!(
            set.starts_with(&format!("{LANG_COOKIE}={}; ", lang.code()))
                && set.contains("HttpOnly")
                && set.contains("SameSite=Strict"),
            "{set}"
        );
        let login = b.get("/login").await;
        pages.push(("login", login.status, login.body.clone()));
        let failed = b
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf_of(&login.body)),
                    ("username", "nobody"),
                    ("passphrase", "wrong"),
                    ("code", "000000"),
                ],
            )
            .await;
        pages.push(("login-failed", failed.status, failed.body));
        let csrf = journalist_login(h, &mut b, "alice").await;
        let list = b.get("/sources").await;
        let sid = {
            let i = list.body.find("href=\"/sources/").expect("a source row") + 15;
            list.body[i..i + 64].to_owned()
        };
        pages.push(("sources", list.status, list.body));
        let page = b.get(&format!("/sources/{sid}")).await;
        let delete_item = {
            let at = format!("action=\"/sources/{sid}/items/");
            let i = page.body.find(&at).expect("an item's delete form") + 8;
            let end = page.body[i..].find('"').expect("the end of the action") + i;
            page.body[i..end].to_owned()
        };
        pages.push(("source", page.status, page.body));
        let confirm = b.post_form(&delete_item, &[("csrf", &csrf)]).await;
        // The designation in its question is isolated from the sentence around it.
        assert!(
            confirm.body.contains("<h1>") && confirm.body.matches("<bdi>").count() >= 2,
            "{}",
            confirm.body
        );
        pages.push(("confirm", confirm.status, confirm.body));
        let bundle = b
            .post_form("/bundle", &[("csrf", &csrf), ("source", &sid)])
            .await;
        assert_eq!(bundle.status, StatusCode::SEE_OTHER, "{}", bundle.body);
        let selection_path = bundle.header("location").unwrap_or("/nowhere").to_owned();
        let selection = b.get(&selection_path).await;
        // The language switch of a selection's page returns to that page.
        assert!(
            selection_path.starts_with("/bundle/")
                && selection.body.contains(&format!(
                    "<input type=\"hidden\" name=\"back\" value=\"{selection_path}\">"
                )),
            "{selection_path}: {}",
            selection.body
        );
        pages.push(("selection", selection.status, selection.body));
        let bad_day = b
            .post_form(
                "/bundle",
                &[("csrf", &csrf), ("source", ""), ("since", "yesterday")],
            )
            .await;
        pages.push(("bad-date", bad_day.status, bad_day.body));
        let wrong = b
            .post_form(
                &format!("/sources/{sid}/delete"),
                &[("csrf", &csrf), ("confirm", "not it")],
            )
            .await;
        pages.push(("not-confirmed", wrong.status, wrong.body));
        let (ct, body) = crate::web::multipart(&[("csrf", &csrf)]);
        let none = b
            .send("POST", "/replies", &[("content-type", &ct)], &body)
            .await;
        pages.push(("replies-none", none.status, none.body));
        // A reply bundle for the source that wrote, from the reviewer: imported.
        let newsroom = h.newsroom.as_ref().expect("a pinned newsroom key");
        let bundle = reply_bundle(h, &writer, "a reply", newsroom);
        let (ct, body) = multipart_file(&[("csrf", &csrf)], "bundle", &bundle);
        let imported = b
            .send("POST", "/replies", &[("content-type", &ct)], &body)
            .await;
        pages.push(("replies-imported", imported.status, imported.body));
        // Refused: not a bundle at all, then one signed by another key.
        let (ct, body) = multipart_file(&[("csrf", &csrf)], "bundle", b"not a bundle");
        let refused = b
            .send("POST", "/replies", &[("content-type", &ct)], &body)
            .await;
        assert!(
            refused
                .body
                .contains(&i18n::t(lang, "j-refusal-unreadable")),
            "{lang:?}: {}",
            refused.body
        );
        pages.push(("replies-refused", refused.status, refused.body));
        let other = postern_spool::keys::SigningKey::generate(&mut rand::rng());
        let forged = reply_bundle(h, &writer, "a reply", &other);
        let (ct, body) = multipart_file(&[("csrf", &csrf)], "bundle", &forged);
        let unsigned = b
            .send("POST", "/replies", &[("content-type", &ct)], &body)
            .await;
        assert!(
            unsigned
                .body
                .contains(&i18n::t(lang, "j-refusal-not-signed")),
            "{lang:?}: {}",
            unsigned.body
        );
        pages.push(("replies-not-signed", unsigned.status, unsigned.body));
        let missing = b.get(&format!("/sources/{}", "0".repeat(64))).await;
        pages.push(("no-such-source", missing.status, missing.body));
        let nope = b.get("/no-such-page").await;
        pages.push(("not-found", nope.status, nope.body));
        let forged = b.post_form("/logout", &[("csrf", "forged")]).await;
        pages.push(("forbidden", forged.status, forged.body));
        // Refused by the cross-origin check itself, before any handler.
        let cross = b
            .send(
                "POST",
                "/logout",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("sec-fetch-site", "cross-site"),
                ],
                format!("csrf={csrf}").as_bytes(),
            )
            .await;
        pages.push(("cross-origin", cross.status, cross.body));
        let before = b.cookie_header().unwrap_or_default();
        let out = b.post_form("/logout", &[("csrf", &csrf)]).await;
        pages.push(("logged-out", out.status, out.body));
        let ended = crate::web::send(
            &h.journalist,
            "GET",
            "/sources",
            &[("cookie", &before)],
            b"",
        )
        .await;
        pages.push(("session-ended", ended.status, ended.body));
        pages
    }

    /// The pages the in-process walk of the journalist interface renders, in its order (the
    /// browser walk in `tests/e2e/i18n_browser.rs` covers them all but `replies-none`, which a
    /// browser does not send: the file field is `required`).
    const JOURNALIST_PAGES: [&str; 18] = [
        "login",
        "login-failed",
        "sources",
        "source",
        "confirm",
        "selection",
        "bad-date",
        "not-confirmed",
        "replies-none",
        "replies-imported",
        "replies-refused",
        "replies-not-signed",
        "no-such-source",
        "not-found",
        "forbidden",
        "cross-origin",
        "logged-out",
        "session-ended",
    ];

    /// A refused reply bundle is named in the journalist's language, by its kind: never the
    /// storage layer's English, never the bundle's own bytes.
    #[tokio::test]
    async fn a_refused_reply_bundle_is_named_in_the_journalists_language() {
        let h = harness();
        let mut s = Browser::new(&h.source);
        let csrf = crate::web::new_source(&mut s).await;
        let before = sources_of(&h);
        let (ct, body) = crate::web::multipart(&[("csrf", &csrf), ("message", "hello")]);
        s.send("POST", "/en/submit", &[("content-type", &ct)], &body)
            .await;
        let writer = new_source(&h, &before);
        let newsroom = h.newsroom.as_ref().unwrap();
        let good = reply_bundle(&h, &writer, "a reply", newsroom);
        // Altered on the way: one byte of the reply's ciphertext.
        let mut altered = good.clone();
        let at = altered
            .windows(18)
            .position(|w| w == b"age-encryption.org")
            .unwrap();
        altered[at + 40] ^= 0x01;
        let other = postern_spool::keys::SigningKey::generate(&mut rand::rng());
        // Outside bytes that try to reach the page: markup and a terminal escape.
        let mut hostile = b"MARKER-OUTSIDE <b>x</b> \x1b[31m".to_vec();
        hostile.resize(2048, 0);
        // A tar stream whose first entry is not the bundle's marker, and names itself in
        // markup.
        let mut renamed = good.clone();
        retitle(&mut renamed, b"MARKER-OUTSIDE<b>x</b>");
        // Cut between entries: the last reply's ciphertext is missing.
        let mut whole_entries = good.clone();
        whole_entries.truncate(last_entry_start(&good));
        whole_entries.extend_from_slice(&[0u8; 1024]);
        let cases: [(&str, Vec<u8>, &str); 7] = [
            ("garbage", hostile, "j-refusal-unreadable"),
            ("another file", renamed, "j-refusal-not-bundle"),
            (
                "cut inside an entry",
                good[..good.len() / 2].to_vec(),
                "j-refusal-unreadable",
            ),
            ("cut between entries", whole_entries, "j-refusal-cut-short"),
            (
                "another key",
                reply_bundle(&h, &writer, "a reply", &other),
                "j-refusal-not-signed",
            ),
            ("altered", altered, "j-refusal-altered"),
            ("empty", Vec::new(), "j-refusal-not-bundle"),
        ];
        let mut b = Browser::new(&h.journalist);
        let csrf = journalist_login(&h, &mut b, "alice").await;
        for lang in Lang::ALL {
            let login = b.get("/sources").await;
            let r = b
                .post_form(
                    "/language",
                    &[
                        ("csrf", &csrf_of(&login.body)),
                        ("lang", lang.code()),
                        ("back", "/sources"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            for (case, data, id) in &cases {
                let (ct, body) = multipart_file(&[("csrf", &csrf)], "bundle", data);
                let r = b
                    .send("POST", "/replies", &[("content-type", &ct)], &body)
                    .await;
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{lang:?} {case}");
                let reason = i18n::t(lang, id);
                let want = i18n::t_args(
                    lang,
                    "j-replies-refused-text",
                    &[("reason", Arg::Str(reason))],
                );
                assert!(r.body.contains(&want), "{lang:?} {case}: {}", r.body);
                for leak in [
                    "MARKER-OUTSIDE",
                    "\x1b",
                    "bundle entry",
                    "not a Postern",
                    "in English",
                    "refused, nothing",
                ] {
                    assert!(
                        !r.body.contains(leak),
                        "{lang:?} {case}: {leak:?} in {}",
                        r.body
                    );
                }
            }
        }
        // Nothing was imported by any of them.
        assert!(spool_of(&h).replies(&writer).unwrap().is_empty());
        // No newsroom key pinned: say so, in the language of the page.
        let bare = Harness::new(|_| {});
        let mut b = Browser::new(&bare.journalist);
        let csrf = journalist_login(&bare, &mut b, "alice").await;
        let page = b.get("/sources").await;
        b.post_form(
            "/language",
            &[
                ("csrf", &csrf_of(&page.body)),
                ("lang", "uk"),
                ("back", "/sources"),
            ],
        )
        .await;
        let (ct, body) = multipart_file(&[("csrf", &csrf)], "bundle", &good);
        let r = b
            .send("POST", "/replies", &[("content-type", &ct)], &body)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains(&i18n::t(Lang::Uk, "j-refusal-no-key")),
            "{}",
            r.body
        );
    }

    #[tokio::test]
    async fn every_journalist_page_in_every_language_is_in_that_language() {
        let h = harness();
        for lang in Lang::ALL {
            let english = english_sentences(lang);
            let pages = walk(&h, lang).await;
            let names: Vec<&str> = pages.iter().map(|p| p.0).collect();
            assert_eq!(names, JOURNALIST_PAGES, "{lang:?}");
            let statuses: Vec<u16> = pages.iter().map(|p| p.1.as_u16()).collect();
            assert_eq!(
                statuses,
                [
                    200, 401, 200, 200, 200, 200, 400, 200, 400, 200, 400, 400, 404, 404, 403, 403,
                    200, 401
                ],
                "{lang:?}"
            );
            for (name, status, html) in pages {
                assert!(
                    html.contains(&format!(
                        "<html lang=\"{}\" dir=\"{}\">",
                        lang.html_lang(),
                        lang.dir()
                    )),
                    "{lang:?} {name} ({status}): {html}"
                );
                assert!(!html.contains("&#60;"), "{lang:?} {name}: escaped markup");
                // No message id shows through in place of its text.
                assert!(
                    !html.contains(">j-") && !html.contains(" j-"),
                    "{lang:?} {name}: {html}"
                );
                if lang == Lang::En {
                    continue;
                }
                let text = text_of(&html);
                for sentence in &english {
                    assert!(
                        !text.contains(sentence.as_str()),
                        "{lang:?} {name} shows English: {sentence:?}\n{text}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn the_journalist_language_switch_is_a_form_that_needs_the_token() {
        let h = harness();
        let mut b = Browser::new(&h.journalist);
        let login = b.get("/login").await;
        // Every language is offered, as a button of one form, with the current one marked.
        assert!(
            login
                .body
                .contains("<form method=\"post\" action=\"/language\">")
        );
        for lang in Lang::ALL {
            assert!(
                login.body.contains(&format!(
                    "name=\"lang\" value=\"{}\" lang=\"{}\"",
                    lang.code(),
                    lang.html_lang()
                )),
                "{lang:?}"
            );
        }
        assert!(
            login
                .body
                .contains("value=\"en\" lang=\"en\" aria-current=\"true\"")
        );
        // A forged token changes nothing.
        let r = b
            .post_form("/language", &[("csrf", "forged"), ("lang", "ru")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            !r.headers
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap_or("").starts_with(LANG_COOKIE)),
            "{:?}",
            r.headers
        );
        assert!(b.get("/login").await.body.contains("<html lang=\"en\""));
        // An unknown language keeps the current one; `back` never leaves the interface.
        let csrf = csrf_of(&login.body);
        let r = b
            .post_form(
                "/language",
                &[("csrf", &csrf), ("lang", "xx"), ("back", "//evil.example/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header("location"), Some("/sources"));
        assert!(b.get("/login").await.body.contains("<html lang=\"en\""));
        let r = b
            .post_form(
                "/language",
                &[("csrf", &csrf), ("lang", "ar"), ("back", "/login")],
            )
            .await;
        assert_eq!(r.header("location"), Some("/login"));
        let page = b.get("/login").await;
        assert!(
            page.body.contains("<html lang=\"ar\" dir=\"rtl\">"),
            "{}",
            page.body
        );
        assert!(page.body.contains(&i18n::t(Lang::Ar, "j-login-username")));
        // The choice survives the login (the session id changes, the cookie does not).
        journalist_login(&h, &mut b, "bob").await;
        let list = b.get("/sources").await;
        assert!(list.body.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(list.body.contains(&i18n::t(Lang::Ar, "j-sources-title")));
        assert!(
            list.body
                .contains("value=\"ar\" lang=\"ar\" aria-current=\"true\"")
        );
    }
}
