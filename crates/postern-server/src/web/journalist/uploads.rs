//! Reply bundles uploaded by a journalist: imported all or nothing, with the same checks as
//! `postern import-replies` (one import path, [`crate::storage::replies::import_into`]).

use axum::http::StatusCode;

use super::pages;
use super::{Journalist, html};
use crate::storage::replies::{Refusal, import_into};
use crate::web::kit::csrf::csrf_ok;
use crate::web::kit::error::WebResult;
use crate::web::kit::i18n::{self, Arg, Lang};

/// Largest reply bundle accepted through the web interface.
pub(super) const MAX_REPLY_BUNDLE: usize = 64 << 20;

/// `POST /replies`: a reply bundle from `postern-review export-replies` (multipart: `csrf` first,
/// then the `bundle` file), imported all or nothing with the same checks as
/// `postern import-replies`.
pub(super) async fn upload_replies(
    who: Journalist,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> WebResult {
    let st = who.st.clone();
    let Ok(mut multipart) = multipart else {
        return Err(who.forbidden());
    };
    // The token comes first, so nothing of an unchecked request is read.
    let token = match multipart.next_field().await {
        Ok(Some(f)) if f.name() == Some("csrf") => f.text().await.unwrap_or_default(),
        _ => return Err(who.forbidden()),
    };
    if !csrf_ok(&who.session, &token).await {
        return Err(who.forbidden());
    }
    let mut bundle = Vec::new();
    let outcome = loop {
        match multipart.next_field().await {
            Ok(Some(mut f)) if f.name() == Some("bundle") => {
                break loop {
                    match f.chunk().await {
                        Ok(Some(c)) if bundle.len() + c.len() <= MAX_REPLY_BUNDLE => {
                            bundle.extend_from_slice(&c)
                        }
                        Ok(Some(_)) => break Err("j-replies-too-large"),
                        Ok(None) => break Ok(()),
                        Err(_) => break Err("j-replies-cut-off"),
                    }
                };
            }
            Ok(Some(_)) => continue,
            Ok(None) => break Err("j-replies-none-chosen"),
            Err(_) => break Err("j-replies-cut-off"),
        }
    };
    let l = who.layout();
    let result = match outcome {
        Err(why) => Err(i18n::t_args(
            who.lang,
            why,
            &[(
                "size",
                Arg::Str(i18n::size_mib(
                    who.lang,
                    u64::try_from(MAX_REPLY_BUNDLE >> 20).unwrap_or(64),
                )),
            )],
        )),
        Ok(()) => {
            let st2 = st.clone();
            tokio::task::spawn_blocking(move || {
                import_into(
                    st2.index.spool(),
                    st2.newsroom_key.as_ref(),
                    &st2.server_key,
                    bundle.as_slice(),
                )
            })
            .await
            .map_err(|_| who.t("j-replies-failed"))
            .and_then(|r| r.map_err(|e| refusal_text(who.lang, e.refusal)))
        }
    };
    Ok(match result {
        Ok(r) => {
            tracing::info!(new = r.new, "a journalist uploaded replies");
            html(
                StatusCode::OK,
                pages::message(
                    &l,
                    &who.t("j-replies-imported-title"),
                    &i18n::t_args(
                        who.lang,
                        "j-replies-imported-text",
                        &[
                            ("new", Arg::from(r.new)),
                            ("sources", Arg::from(r.sources)),
                            ("already", Arg::from(r.already)),
                        ],
                    ),
                    "/sources",
                    &who.t("j-back-sources"),
                ),
            )
        }
        Err(why) => html(
            StatusCode::BAD_REQUEST,
            pages::message(
                &l,
                &who.t("j-replies-refused-title"),
                &why,
                "/sources",
                &who.t("j-back-sources"),
            ),
        ),
    })
}

/// The message id that names a refusal kind to a journalist: fixed words in each language,
/// never the bundle's own bytes nor the storage layer's English.
pub(super) fn refusal_id(r: Refusal) -> &'static str {
    match r {
        Refusal::NoNewsroomKey => "j-refusal-no-key",
        Refusal::NotABundle => "j-refusal-not-bundle",
        Refusal::Unreadable => "j-refusal-unreadable",
        Refusal::UnknownVersion => "j-refusal-version",
        Refusal::CutShort => "j-refusal-cut-short",
        Refusal::NotSigned => "j-refusal-not-signed",
        Refusal::Altered => "j-refusal-altered",
        Refusal::Malformed => "j-refusal-malformed",
        Refusal::UnknownSource => "j-refusal-unknown-source",
        Refusal::BadSourceRecord => "j-refusal-source-record",
        Refusal::WrongRecipient => "j-refusal-wrong-key",
        Refusal::TooLarge => "j-refusal-too-large",
        Refusal::Conflict => "j-refusal-conflict",
        Refusal::WriteFailed => "j-refusal-write-failed",
    }
}

/// The text of the refusal page: "refused, nothing imported" and the reason, or, when writing
/// failed partway (some replies may be in), only what to do.
fn refusal_text(lang: Lang, r: Refusal) -> String {
    let reason = i18n::t(lang, refusal_id(r));
    if r == Refusal::WriteFailed {
        return reason;
    }
    i18n::t_args(
        lang,
        "j-replies-refused-text",
        &[("reason", Arg::Str(reason))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind has its own words in every language, and they are not the English ones.
    #[test]
    fn every_refusal_has_its_words_in_every_language() {
        let mut ids: Vec<&str> = Refusal::ALL.iter().map(|r| refusal_id(*r)).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Refusal::ALL.len(), "one id per kind");
        for lang in Lang::ALL {
            for r in Refusal::ALL {
                let id = refusal_id(r);
                let text = refusal_text(lang, r);
                let own = i18n::t(lang, id);
                assert_ne!(own, id, "{id} is missing in {lang:?}");
                assert!(text.contains(&own), "{lang:?} {id}: {text}");
                if lang != Lang::En {
                    assert_ne!(own, i18n::t(Lang::En, id), "{id} in {lang:?} is English");
                }
            }
        }
    }
}
