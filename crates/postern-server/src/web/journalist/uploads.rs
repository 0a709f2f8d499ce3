//! Reply bundles uploaded by a journalist: imported all or nothing, with the same checks as
//! `postern import-replies` (one import path, [`crate::storage::replies::import_into`]).

use axum::http::StatusCode;

use super::pages;
use super::{Journalist, html};
use crate::storage::replies::import_into;
use crate::web::kit::csrf::csrf_ok;
use crate::web::kit::error::WebResult;

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
                        Ok(Some(_)) => break Err("The bundle is larger than 64 MiB."),
                        Ok(None) => break Ok(()),
                        Err(_) => break Err("The upload was cut off; nothing was imported."),
                    }
                };
            }
            Ok(Some(_)) => continue,
            Ok(None) => break Err("No bundle was chosen."),
            Err(_) => break Err("The upload was cut off; nothing was imported."),
        }
    };
    let l = who.layout();
    let result = match outcome {
        Err(why) => Err(why.to_owned()),
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
            .map_err(|_| "The import failed; nothing was imported.".to_owned())
            .and_then(|r| r.map_err(|e| format!("{e:#}")))
        }
    };
    Ok(match result {
        Ok(r) => {
            tracing::info!(new = r.new, "a journalist uploaded replies");
            html(
                StatusCode::OK,
                pages::message(
                    &l,
                    "Replies imported",
                    &format!(
                        "Imported {} new reply(ies) for {} source(s); {} already delivered. Sources see them when they log in.",
                        r.new, r.sources, r.already
                    ),
                    "/sources",
                    "Back to the sources",
                ),
            )
        }
        Err(why) => html(
            StatusCode::BAD_REQUEST,
            pages::message(
                &l,
                "Replies refused",
                &why,
                "/sources",
                "Back to the sources",
            ),
        ),
    })
}
