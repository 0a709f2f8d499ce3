//! Reply bundles uploaded by a journalist: imported all or nothing, with the same checks as
//! `postern import-replies` (one import path, [`crate::storage::replies::import_into`]).

use axum::http::StatusCode;

use super::pages;
use super::{Journalist, html};
use crate::storage::replies::import_into;
use crate::web::kit::csrf::csrf_ok;
use crate::web::kit::error::WebResult;
use crate::web::kit::i18n::{self, Arg};

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
            .and_then(|r| {
                r.map_err(|e| {
                    // The reason is the storage layer's, in English: it names what was wrong
                    // with the bundle in the words of `postern import-replies`.
                    i18n::t_args(
                        who.lang,
                        "j-replies-refused-text",
                        &[("reason", Arg::Str(format!("{e:#}")))],
                    )
                })
            })
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
