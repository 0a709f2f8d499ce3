//! The source's replies: opened in memory with the reply identity kept since login, and deleted
//! on request.
//!
//! A reply is shown only if its record verifies with the pinned newsroom key, names this source,
//! matches the ciphertext's size and SHA-256, and the envelope inside opens to a reply with the
//! same id and day: a file planted in the outbox by someone who can write to the spool (but does
//! not hold the newsroom's key) is never shown. Deleting removes the record, then the ciphertext,
//! and syncs the folder; the journalists keep their own copy on the air-gapped machine.

use axum::http::StatusCode;
use postern_spool::envelope::open_reply;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN};
use postern_spool::replies::{MAX_REPLY_AGE_LEN, MAX_REPLY_LEN};
use serde::Deserialize;
use tower_sessions::Session;

use super::extract::{Checked, SignedIn, WithCsrf};
use super::i18n;
use super::pages::{self, ReplyView};
use super::{SharedState, home_view_for, html};
use crate::fsutil::read_bounded;
use crate::web::kit::error::WebResult;

/// The session key of the keyring handle (never the identity itself).
pub const HANDLE_KEY: &str = "reply-key";

/// What the home page can show of the replies.
pub enum Replies {
    /// Opened, newest first.
    Shown(Vec<ReplyView>),
    /// The reply identity is gone (idle too long): the source must log in again to read them.
    Locked,
}

/// Opens the replies of `source` with the identity under the session's handle.
pub async fn for_session(st: &SharedState, session: &Session, source: &SourceId) -> Replies {
    let Ok(ids) = st.store.spool.replies(source) else {
        return Replies::Shown(Vec::new());
    };
    if ids.is_empty() {
        return Replies::Shown(Vec::new());
    }
    let handle = session.get::<String>(HANDLE_KEY).await.ok().flatten();
    // A copy for this request only; it is zeroised when dropped.
    let Some(identity) = handle.and_then(|h| st.keyring.with(&h, |i| i.clone())) else {
        return Replies::Locked;
    };
    let Some(newsroom) = st.newsroom_key else {
        return Replies::Shown(Vec::new());
    };
    let st2 = st.clone();
    let source = *source;
    let lang_free = tokio::task::spawn_blocking(move || {
        let mut out: Vec<(ItemRecord, String)> = Vec::new();
        let mut refused = 0usize;
        for id in ids {
            match open_one(&st2, &source, &id, &newsroom, &identity) {
                Some(r) => out.push(r),
                None => refused += 1,
            }
        }
        if refused > 0 {
            // A count only: no id, nothing about the source.
            tracing::warn!(refused, "replies that did not verify were not shown");
        }
        out
    })
    .await
    .unwrap_or_default();
    let mut views: Vec<(ItemRecord, String)> = lang_free;
    views.sort_by(|a, b| b.0.day.cmp(&a.0.day).then(a.0.item.cmp(&b.0.item)));
    Replies::Shown(
        views
            .into_iter()
            .map(|(rec, text)| ReplyView {
                id: rec.item.to_string(),
                day: rec.day.to_string(),
                text,
            })
            .collect(),
    )
}

/// Verifies and opens one reply; `None` if anything about it is wrong.
fn open_one(
    st: &SharedState,
    source: &SourceId,
    id: &ItemId,
    newsroom: &postern_spool::keys::VerifyingKey,
    identity: &postern_spool::derive::ReplyIdentity,
) -> Option<(ItemRecord, String)> {
    let (age_path, rec_path) = st.store.spool.reply_paths(source, id);
    let rec_bytes = read_bounded(&rec_path, MAX_RECORD_LEN as u64).ok()?;
    let rec = ItemRecord::parse_verified_reply(&rec_bytes, newsroom).ok()?;
    if rec.source != *source || rec.item != *id || rec.size > MAX_REPLY_AGE_LEN {
        return None;
    }
    let ciphertext = read_bounded(&age_path, MAX_REPLY_AGE_LEN).ok()?;
    if ciphertext.len() as u64 != rec.size || !rec.digest.matches(&ciphertext) {
        return None;
    }
    let (header, content) = open_reply(&ciphertext, identity, MAX_REPLY_LEN).ok()?;
    if header.submission_id != rec.item || header.day != rec.day {
        return None;
    }
    Some((rec, visible_text(&String::from_utf8_lossy(&content))))
}

/// The reply's text for a page: control characters (but line breaks and tabs) and bidi
/// overrides become U+FFFD, so nothing in a reply can hide or reorder the text around it. HTML
/// escaping is the template's job.
fn visible_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {
                '\u{fffd}'
            }
            c => c,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// A reply id, or `all`.
    #[serde(default)]
    reply: String,
}

impl WithCsrf for DeleteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /{lang}/replies/delete`: deletes one reply of the logged-in source, or all of them.
pub async fn delete(s: SignedIn, Checked(form): Checked<DeleteForm>) -> WebResult {
    let SignedIn {
        visit: v, id: sid, ..
    } = s;
    let c = v.ctx("home").await;
    let st = &v.st;
    let targets: Vec<ItemId> = if form.reply == "all" {
        st.store.spool.replies(&sid).unwrap_or_default()
    } else {
        match ItemId::parse(&form.reply) {
            Some(id) => vec![id],
            None => return Err(v.error(StatusCode::BAD_REQUEST, "error-bad-request").await),
        }
    };
    let st2 = st.clone();
    let all = form.reply == "all";
    let result = tokio::task::spawn_blocking(move || {
        let mut deleted = 0usize;
        for id in targets {
            if st2.store.spool.delete_reply(&sid, &id)? {
                deleted += 1;
            }
        }
        Ok::<usize, postern_spool::spool::SpoolError>(deleted)
    })
    .await;
    let lang = v.lang;
    let notice = match result {
        Ok(Ok(_)) if all => i18n::t(lang, "notice-replies-deleted"),
        Ok(Ok(1)) => i18n::t(lang, "notice-reply-deleted"),
        Ok(Ok(_)) => i18n::t(lang, "notice-reply-gone"),
        _ => {
            return Err(v
                .error(StatusCode::INTERNAL_SERVER_ERROR, "error-server")
                .await);
        }
    };
    let view = home_view_for(st, &v.session, &sid, Some(notice)).await;
    Ok(html(StatusCode::OK, pages::home(&c, &view)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn controls_and_bidi_overrides_are_made_visible() {
        assert_eq!(
            super::visible_text("a\u{1b}[31mb\r\n\tc\u{202e}d\u{0}"),
            "a\u{fffd}[31mb\u{fffd}\n\tc\u{fffd}d\u{fffd}"
        );
        assert_eq!(super::visible_text("Ответ <b>"), "Ответ <b>");
    }
}
