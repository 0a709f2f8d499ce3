//! Translations of both interfaces.
//!
//! Every string a source or a journalist reads comes from a Fluent file under `locales/<language>/`
//! (`postern.ftl` and `guides.ftl` for the source interface, `journalist.ftl` for the journalist
//! interface), embedded into the binary at compile time, so a page never depends on files on the
//! server's disk (the loader does not notice a new file: touch this one after adding one). The
//! source interface takes the language from the URL prefix (`/en/…`, `/ru/…`), the journalist
//! interface from a cookie its language form sets; neither guesses from `Accept-Language`: Tor
//! Browser makes every user claim the same language, to look like everyone else.
//!
//! A message missing from one language falls back to English, then to its own id, so a gap in a
//! translation shows up as a visible id rather than as an error page. The tests below keep the two files
//! in step (the same message ids) and check that Russian plurals use the right CLDR form.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Pages are HTML, not bidirectional plain text: the FSI/PDI marks that Fluent puts around
        // arguments by default would end up inside attributes and copied codenames.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interfaces are translated into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English (the fallback for any missing message).
    En,
    /// Russian.
    Ru,
    /// Ukrainian.
    Uk,
    /// Belarusian.
    Be,
    /// Persian (right to left).
    Fa,
    /// Arabic (right to left).
    Ar,
    /// Simplified Chinese (as written in mainland China).
    Zh,
    /// Turkish.
    Tr,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
}

impl Lang {
    /// Every language, in the order the language switch lists them.
    pub const ALL: [Lang; 11] = [
        Lang::En,
        Lang::Ru,
        Lang::Uk,
        Lang::Be,
        Lang::Fa,
        Lang::Ar,
        Lang::Zh,
        Lang::Tr,
        Lang::Es,
        Lang::Fr,
        Lang::De,
    ];

    /// URL prefix, native name, `lang` attribute, folder under `locales/`, right to left.
    fn row(self) -> (&'static str, &'static str, &'static str, &'static str, bool) {
        match self {
            Lang::En => ("en", "English", "en", "en-US", false),
            Lang::Ru => ("ru", "Русский", "ru", "ru", false),
            Lang::Uk => ("uk", "Українська", "uk", "uk", false),
            Lang::Be => ("be", "Беларуская", "be", "be", false),
            Lang::Fa => ("fa", "فارسی", "fa", "fa", true),
            Lang::Ar => ("ar", "العربية", "ar", "ar", true),
            Lang::Zh => ("zh", "简体中文", "zh-CN", "zh-CN", false),
            Lang::Tr => ("tr", "Türkçe", "tr", "tr", false),
            Lang::Es => ("es", "Español", "es", "es", false),
            Lang::Fr => ("fr", "Français", "fr", "fr", false),
            Lang::De => ("de", "Deutsch", "de", "de", false),
        }
    }

    /// The URL prefix of the language: `/en/…`, `/ru/…`.
    pub fn code(self) -> &'static str {
        self.row().0
    }

    /// The language of a URL prefix, if it is one of ours.
    pub fn from_code(s: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == s)
    }

    /// The name of the language in that language, as the language switch shows it.
    pub fn native_name(self) -> &'static str {
        self.row().1
    }

    /// The value of the `lang` attribute of a page in this language.
    pub fn html_lang(self) -> &'static str {
        self.row().2
    }

    /// The value of the `dir` attribute of a page in this language: `rtl` for Persian and Arabic.
    pub fn dir(self) -> &'static str {
        if self.row().4 { "rtl" } else { "ltr" }
    }

    /// The name of the folder under `locales/` that holds this language.
    pub fn fluent_tag(self) -> &'static str {
        self.row().3
    }

    fn langid(self) -> &'static LanguageIdentifier {
        // Parsed once. The tags are constants that parse (a test checks it); were one ever to fail,
        // `und` would still fall back to English rather than panic.
        static IDS: LazyLock<[LanguageIdentifier; 11]> =
            LazyLock::new(|| Lang::ALL.map(|l| l.fluent_tag().parse().unwrap_or_default()));
        static UND: LazyLock<LanguageIdentifier> = LazyLock::new(LanguageIdentifier::default);
        IDS.get(self as usize).unwrap_or(&UND)
    }
}

/// A value for a placeable in a Fluent message.
///
/// Numbers select plural forms (`{ $files -> [one] … [few] … *[other] … }`) by the CLDR rules of the
/// page's language; strings are inserted as they are (the template escapes the result).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Text, inserted as is.
    Str(String),
    /// A count or a size; selects plural forms and prints without grouping (`100000`).
    Num(u64),
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Num(n)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(u64::try_from(n).unwrap_or(u64::MAX))
    }
}

impl From<u16> for Arg {
    fn from(n: u16) -> Self {
        Arg::Num(u64::from(n))
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

/// The message `id` in `lang`, falling back to English, then to `id` itself.
pub fn t(lang: Lang, id: &str) -> String {
    LOCALES
        .try_lookup(lang.langid(), id)
        .unwrap_or_else(|| id.to_owned())
}

/// The message `id` in `lang` with its arguments, falling back to English, then to `id` itself.
///
/// A message that needs an argument which is not given counts as missing in that language.
pub fn t_args(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let mut map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Str(s) => FluentValue::from(s.as_str()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            (Cow::Owned((*name).to_owned()), value)
        })
        .collect();
    if lang == Lang::Be {
        // intl_pluralrules 7.0.2 gets Belarusian wrong (it tests `i` where CLDR has `i % 10`,
        // so 22 and 25 come out as "other"): the Belarusian file selects on `$<name>_form`,
        // the CLDR category worked out here, and prints `$<name>` as usual.
        for (name, value) in args {
            if let Arg::Num(n) = value {
                map.insert(
                    Cow::Owned(format!("{name}_form")),
                    FluentValue::from(east_slavic_plural(*n)),
                );
            }
        }
    }
    LOCALES
        .try_lookup_with_args(lang.langid(), id, &map)
        .unwrap_or_else(|| id.to_owned())
}

/// The CLDR plural category of a whole number in Russian, Ukrainian and Belarusian.
fn east_slavic_plural(n: u64) -> &'static str {
    match (n % 10, n % 100) {
        (1, m) if m != 11 => "one",
        (2..=4, m) if !(12..=14).contains(&m) => "few",
        _ => "many",
    }
}

/// A count written for people: digits grouped by thousands as the language does it
/// (`100,000` in English, `100 000` with a no-break space in Russian, `100.000` in German).
///
/// Digits stay Western (0–9) in every language, Persian and Arabic included: Fluent prints the
/// counts inside messages that way, and one page must not mix two sets of digits.
pub fn number(lang: Lang, n: u64) -> String {
    let (sep, group_four) = match lang {
        Lang::En | Lang::Zh | Lang::Fa | Lang::Ar => (',', true),
        Lang::Ru | Lang::Uk | Lang::Be => ('\u{a0}', false),
        Lang::Fr => ('\u{202f}', true),
        Lang::De | Lang::Tr => ('.', true),
        Lang::Es => ('.', false),
    };
    let digits = n.to_string();
    // Four-digit numbers stay ungrouped in Russian ("2048"), as Russian typography prefers (so do
    // Ukrainian, Belarusian and Spanish).
    if !group_four && digits.len() <= 4 {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A day (`YYYY-MM-DD`, as the spool stores it) written the way the language writes dates in
/// prose ("1 February 2026", "1 февраля 2026 г.", "2026年2月1日"). Anything else is returned as is.
pub fn date(lang: Lang, day: &str) -> String {
    let mut parts = day.splitn(3, '-').map(|p| p.parse::<u64>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(d))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return day.to_owned();
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&d) {
        return day.to_owned();
    }
    t_args(
        lang,
        "date",
        &[
            ("year", Arg::Num(year)),
            ("month", Arg::Num(month)),
            ("day", Arg::Num(d)),
        ],
    )
}

/// A size given in MiB, written with a unit a source recognises: whole GiB as "GB", else "MB".
///
/// The unit says "MB" for MiB on purpose: a file that the source's computer calls 500 MB is never
/// larger than 500 MiB, so the stated limit is never more than the real one.
pub fn size_mib(lang: Lang, mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) {
        t_args(
            lang,
            "size-gb",
            &[("n", Arg::Str(number(lang, mib / 1024)))],
        )
    } else {
        t_args(lang, "size-mb", &[("n", Arg::Str(number(lang, mib)))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const EN_FTL: &str = include_str!("../../../locales/en-US/postern.ftl");
    const RU_FTL: &str = include_str!("../../../locales/ru/postern.ftl");

    /// The ids of the messages (and terms) defined in a Fluent file, in order, duplicates kept.
    fn ids(ftl: &str) -> Vec<String> {
        ftl.lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-'))
            .filter_map(|line| line.split_once('='))
            .map(|(id, _)| id.trim().to_owned())
            .collect()
    }

    #[test]
    fn both_files_parse_without_errors() {
        for (name, ftl) in [("en-US", EN_FTL), ("ru", RU_FTL)] {
            if let Err((_, errors)) =
                fluent_templates::fluent_bundle::FluentResource::try_new(ftl.to_owned())
            {
                panic!("{name}/postern.ftl does not parse: {errors:?}");
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_message_ids() {
        let en = ids(EN_FTL);
        let ru = ids(RU_FTL);
        assert!(
            en.len() > 50,
            "found only {} ids: is the parser right?",
            en.len()
        );
        let en_set: BTreeSet<_> = en.iter().cloned().collect();
        let ru_set: BTreeSet<_> = ru.iter().cloned().collect();
        assert_eq!(en_set.len(), en.len(), "duplicate ids in en-US");
        assert_eq!(ru_set.len(), ru.len(), "duplicate ids in ru");
        let only_en: Vec<_> = en_set.difference(&ru_set).collect();
        let only_ru: Vec<_> = ru_set.difference(&en_set).collect();
        assert!(only_en.is_empty(), "missing in ru: {only_en:?}");
        assert!(only_ru.is_empty(), "missing in en-US: {only_ru:?}");
    }

    #[test]
    fn every_message_resolves_in_both_languages() {
        // With every argument any message uses, so a typo in a placeable shows up as the id.
        let args = [
            ("org", Arg::from("Org")),
            ("files", Arg::Num(3)),
            ("status", Arg::Num(404)),
            ("day", Arg::from("2026-01-01")),
            ("file", Arg::from("1 MB")),
            ("request", Arg::from("2 MB")),
            ("chars", Arg::from("3")),
            ("chars_n", Arg::Num(3)),
            ("n", Arg::from("4")),
            ("year", Arg::Num(2026)),
            ("month", Arg::Num(2)),
        ];
        for lang in Lang::ALL {
            for id in ids(EN_FTL).iter().filter(|id| !id.starts_with('-')) {
                let text = t_args(lang, id, &args);
                assert_ne!(&text, id, "{id} does not resolve in {lang:?}");
                assert!(!text.contains('\u{2068}'), "isolation marks in {id}");
            }
        }
    }

    #[test]
    fn russian_messages_are_russian() {
        // A message that only resolved through the English fallback would come out in Latin letters.
        for id in [
            "landing-get-codename",
            "login-error-word-count",
            "home-replies-none",
        ] {
            let text = t(Lang::Ru, id);
            assert!(
                text.chars().any(|c| ('а'..='я').contains(&c)),
                "{id}: {text}"
            );
        }
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let files = |n: u64| t_args(Lang::Ru, "submitted-files", &[("files", Arg::Num(n))]);
        assert!(files(1).starts_with("1 файл "), "{}", files(1));
        assert!(files(2).starts_with("2 файла "), "{}", files(2));
        assert!(files(5).starts_with("5 файлов "), "{}", files(5));
        assert!(files(11).starts_with("11 файлов "), "{}", files(11));
        assert!(files(21).starts_with("21 файл "), "{}", files(21));
        assert!(files(22).starts_with("22 файла "), "{}", files(22));
        assert!(files(0).starts_with("0 файлов "), "{}", files(0));
        let with_message = |n: u64| {
            t_args(
                Lang::Ru,
                "submitted-files-and-message",
                &[("files", Arg::Num(n))],
            )
        };
        assert!(with_message(1).contains(" 1 файл "), "{}", with_message(1));
        assert!(with_message(3).contains(" 3 файла "), "{}", with_message(3));
        assert!(
            with_message(7).contains(" 7 файлов "),
            "{}",
            with_message(7)
        );
    }

    #[test]
    fn english_plurals() {
        let files = |n: u64| t_args(Lang::En, "submitted-files", &[("files", Arg::Num(n))]);
        assert!(files(1).starts_with("1 file was"), "{}", files(1));
        assert!(files(2).starts_with("2 files were"), "{}", files(2));
    }

    #[test]
    fn fallbacks() {
        assert_eq!(t(Lang::Ru, "no-such-message"), "no-such-message");
        assert_eq!(t(Lang::En, "nav-language"), "Language");
        assert_eq!(t(Lang::Ru, "nav-language"), "Язык");
        // A message whose argument is missing falls back rather than printing a Fluent error.
        assert_eq!(t(Lang::Ru, "submitted-files"), "submitted-files");
    }

    #[test]
    fn language_codes() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
            assert_eq!(lang.langid().to_string(), lang.fluent_tag());
        }
        assert_eq!(Lang::from_code("de"), Some(Lang::De));
        assert_eq!(Lang::from_code("zh-CN"), None);
        assert_eq!(Lang::from_code("xx"), None);
        assert_eq!(Lang::from_code("EN"), None);
        assert_eq!(Lang::from_code(""), None);
    }

    #[test]
    fn numbers_and_sizes() {
        assert_eq!(number(Lang::En, 0), "0");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(number(Lang::En, 1000), "1,000");
        assert_eq!(number(Lang::En, 100_000), "100,000");
        assert_eq!(number(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(number(Lang::Ru, 2048), "2048");
        assert_eq!(number(Lang::Ru, 100_000), "100\u{a0}000");
        assert_eq!(size_mib(Lang::En, 500), "500\u{a0}MB");
        assert_eq!(size_mib(Lang::En, 4096), "4\u{a0}GB");
        assert_eq!(size_mib(Lang::Ru, 1536), "1536\u{a0}МБ");
        assert_eq!(number(Lang::De, 100_000), "100.000");
        assert_eq!(number(Lang::De, 2048), "2.048");
        assert_eq!(number(Lang::Es, 2048), "2048");
        assert_eq!(number(Lang::Es, 100_000), "100.000");
        assert_eq!(number(Lang::Fr, 100_000), "100\u{202f}000");
        assert_eq!(number(Lang::Zh, 100_000), "100,000");
        assert_eq!(size_mib(Lang::Fr, 500), "500\u{a0}Mo");
    }

    #[test]
    fn dates_in_prose() {
        assert_eq!(date(Lang::En, "2026-02-01"), "1 February 2026");
        assert_eq!(date(Lang::Ru, "2026-02-01"), "1 февраля 2026\u{a0}г.");
        assert_eq!(date(Lang::Uk, "2026-03-21"), "21 березня 2026\u{a0}р.");
        assert_eq!(date(Lang::De, "2026-12-24"), "24. Dezember 2026");
        assert_eq!(date(Lang::Fr, "2026-05-01"), "1er mai 2026");
        assert_eq!(date(Lang::Es, "2026-05-02"), "2 de mayo de 2026");
        assert_eq!(date(Lang::Zh, "2026-05-02"), "2026年5月2日");
        assert_eq!(date(Lang::Tr, "2026-08-30"), "30 Ağustos 2026");
        for lang in Lang::ALL {
            let text = date(lang, "2026-07-15");
            assert!(!text.contains("2026-07"), "{lang:?}: {text}");
            assert!(
                text.contains("2026") && text.contains("15"),
                "{lang:?}: {text}"
            );
        }
        // Anything that is not a day is shown as it is.
        assert_eq!(date(Lang::En, "soon"), "soon");
        assert_eq!(date(Lang::En, "2026-13-01"), "2026-13-01");
    }

    #[test]
    fn right_to_left() {
        for lang in Lang::ALL {
            let rtl = matches!(lang, Lang::Fa | Lang::Ar);
            assert_eq!(lang.dir(), if rtl { "rtl" } else { "ltr" }, "{lang:?}");
        }
        assert_eq!(Lang::Zh.html_lang(), "zh-CN");
    }
}
