//! `reply` and `export-replies`: answers to a source, back through the air gap.
//!
//! A reply is sealed here, on the air-gapped machine, to the source's reply recipient (from its
//! record, signed by the server) and to the newsroom's recipients, so the journalists can read
//! their own history; its record is signed with the newsroom's reply-signing key. It is kept in
//! the store beside the source's items (`store/sources/<id>/replies/`) and queued in
//! `outbox/` until `export-replies` writes every queued reply into one signed bundle for
//! `postern import-replies` on the server.
//!
//! ```text
//! <home>/outbox/<source id>.<reply id>     empty marker: written, not yet exported
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use postern_spool::day::Day;
use postern_spool::designation::designation;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN};
use postern_spool::replies::{
    MAX_REPLIES, MAX_REPLY_AGE_LEN, MAX_REPLY_LEN, SealedReply, seal_reply, write_reply_bundle,
};
use postern_spool::spool::Spool;
use zeroize::Zeroizing;

use crate::home::{Home, read_bounded};
use crate::list::{SourceEntry, short};
use crate::ui::user_error;

/// Where the reply's text comes from.
pub enum TextFrom {
    /// A file, or `-` for standard input.
    File(PathBuf),
    /// `$VISUAL` or `$EDITOR` on a fresh draft file.
    Editor,
}

/// Today, by this machine's clock.
pub fn today() -> Day {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Day::from_unix_seconds(secs)
}

/// Reads, checks and returns the reply's text.
pub fn read_text(home: &Home, from: &TextFrom) -> Result<Zeroizing<String>> {
    let bytes = match from {
        TextFrom::File(p) if p == Path::new("-") => read_limited(io::stdin().lock())?,
        TextFrom::File(p) => {
            read_limited(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)?
        }
        TextFrom::Editor => edit_draft(home)?,
    };
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        user_error(
            "the reply is not UTF-8 text",
            "save it as plain UTF-8 text and try again",
        )
    })?;
    let text = Zeroizing::new(text);
    if text.trim().is_empty() {
        return Err(user_error(
            "the reply is empty; nothing was written",
            "write the reply's text, then run the command again",
        ));
    }
    Ok(text)
}

fn read_limited(r: impl Read) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    r.take(MAX_REPLY_LEN as u64 + 1)
        .read_to_end(&mut out)
        .context("reading the reply failed")?;
    if out.len() > MAX_REPLY_LEN {
        return Err(user_error(
            "the reply is longer than 512 KiB",
            "shorten it, or split it into several replies",
        ));
    }
    Ok(out)
}

/// Opens `$VISUAL` or `$EDITOR` on an empty draft in the reviewer's folder, and reads it back.
/// The draft is removed afterwards, whatever happens.
fn edit_draft(home: &Home) -> Result<Zeroizing<Vec<u8>>> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            user_error(
                "no editor is set",
                "set $EDITOR (for example EDITOR=nano), or pass --file FILE or --file -",
            )
        })?;
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let draft = home.dir.join(format!(
        "reply-draft-{}.txt",
        ItemId::random(&mut rand::rng())
    ));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&draft)
        .with_context(|| format!("cannot create the draft {}", draft.display()))?;
    let status = Command::new(program).args(words).arg(&draft).status();
    let text = match status {
        Ok(s) if s.success() => File::open(&draft)
            .map_err(anyhow::Error::from)
            .and_then(read_limited),
        Ok(_) => Err(user_error(
            "the editor failed; nothing was written",
            "run the command again",
        )),
        Err(e) => Err(user_error(
            format!("cannot start the editor `{program}`: {e}"),
            "set $EDITOR to an installed editor, or pass --file FILE",
        )),
    };
    let _ = fs::remove_file(&draft);
    text
}

/// Seals, stores and queues a reply to `source`.
pub fn write_reply(
    home: &Home,
    store: &Spool,
    source: &SourceEntry,
    text: &str,
) -> Result<ItemRecord> {
    // The newsroom's set of the source's kind: the current one, or for a source made before a
    // classical-to-hybrid move, the earlier keys (a file never mixes the two kinds; without such
    // a set, the reply is sealed to the source alone).
    let newsroom = {
        let current = home.newsroom_recipients()?;
        let source_hybrid = source
            .record
            .reply_recipient()
            .is_some_and(|r| r.is_hybrid());
        if current.is_hybrid() == source_hybrid {
            current
        } else {
            home.previous_recipients()
                .into_iter()
                .find(|set| set.is_hybrid() == source_hybrid)
                .unwrap_or(current)
        }
    };
    let key = home.unlock_signing()?;
    let sealed = seal_reply(
        &mut rand::rng(),
        text,
        &source.record,
        &newsroom,
        today(),
        &key,
    )
    .map_err(|e| {
        user_error(
            format!("cannot seal the reply: {e}"),
            "check the text's length; if the source's record is damaged, import it again",
        )
    })?;
    let rec = sealed.record.clone();
    store
        .install_reply(
            &mut rand::rng(),
            &source.id,
            &rec.item,
            &sealed.ciphertext,
            sealed.record_text.as_bytes(),
        )
        .context("storing the reply")?;
    let outbox = home.outbox();
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&outbox)
        .with_context(|| format!("creating {}", outbox.display()))?;
    let marker = outbox.join(format!("{}.{}", source.id, rec.item));
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&marker)
        .context("queueing the reply")?;
    f.sync_all()?;
    File::open(&outbox).and_then(|d| d.sync_all())?;
    Ok(rec)
}

/// The replies waiting in the outbox, in name order.
pub fn queued(home: &Home) -> Result<Vec<(SourceId, ItemId)>> {
    let mut out = Vec::new();
    let list = match fs::read_dir(home.outbox()) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(anyhow::Error::new(e).context("listing the outbox")),
    };
    for entry in list {
        let name = entry?.file_name();
        let parsed = name.to_str().and_then(|n| {
            let (s, i) = n.split_once('.')?;
            Some((SourceId::parse(s)?, ItemId::parse(i)?))
        });
        match parsed {
            Some(p) => out.push(p),
            None => {
                return Err(user_error(
                    "the outbox holds a file that is not a queued reply",
                    format!("remove it from {}", home.outbox().display()),
                ));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes every queued reply into a new signed bundle at `to` (never replacing a file) and
/// empties the outbox. Returns the number of replies and of sources.
pub fn export(home: &Home, store: &Spool, to: &Path) -> Result<(usize, usize)> {
    let queue = queued(home)?;
    if queue.is_empty() {
        return Err(user_error(
            "no reply is waiting to be exported",
            "write one with `postern-review reply SOURCE`",
        ));
    }
    if queue.len() > MAX_REPLIES {
        return Err(user_error(
            format!(
                "{} replies are queued; a bundle holds at most {MAX_REPLIES}",
                queue.len()
            ),
            "this should not happen in practice; ask for help",
        ));
    }
    let public = home.signing_public().ok_or_else(|| {
        user_error(
            "no reply-signing key here",
            "run `postern-review keygen`, or pass --home",
        )
    })?;
    let mut replies = Vec::with_capacity(queue.len());
    for (sid, iid) in &queue {
        let (age_path, rec_path) = store.reply_paths(sid, iid);
        let record_text = read_bounded(&rec_path, MAX_RECORD_LEN as u64)
            .with_context(|| format!("reading queued reply {}", short(iid)))?;
        let record = ItemRecord::parse_verified_reply(&record_text, &public).map_err(|e| {
            user_error(
                format!("queued reply {} does not verify: {e}", short(iid)),
                "the store was changed; write the reply again",
            )
        })?;
        let ciphertext = read_bounded(&age_path, MAX_REPLY_AGE_LEN)
            .with_context(|| format!("reading queued reply {}", short(iid)))?;
        let record_text = String::from_utf8(record_text)
            .map_err(|_| anyhow::anyhow!("a reply record is not UTF-8"))?;
        replies.push(SealedReply {
            record,
            record_text,
            ciphertext,
        });
    }
    let key = home.unlock_signing()?;
    if key.verifying_key() != public {
        anyhow::bail!("signing-key.age and signing-key.pub do not belong together");
    }
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = to.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        user_error(
            "--to must name a file",
            "give a file name, for example replies.tar",
        )
    })?;
    // Written to an unnamed temporary of the opened folder, named only once complete.
    let dest = crate::dest::Dest::open(&dir)?;
    let temp = dest.temp()?;
    let mut out = io::BufWriter::new(&temp.file);
    write_reply_bundle(&mut rand::rng(), &mut out, today(), &key, &replies)?;
    out.flush()?;
    drop(out);
    dest.finish_exact(temp, name).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            user_error(
                format!("{} already exists", to.display()),
                "export-replies never overwrites a file; choose another name",
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot create {}", to.display()))
        }
    })?;
    for (sid, iid) in &queue {
        let _ = fs::remove_file(home.outbox().join(format!("{sid}.{iid}")));
    }
    let mut sources: Vec<_> = queue.iter().map(|(s, _)| *s).collect();
    sources.dedup();
    Ok((queue.len(), sources.len()))
}

/// One line about a reply for the terminal.
pub fn describe(source: &SourceEntry, rec: &ItemRecord) -> String {
    format!(
        "reply {} to {} ({}), {}",
        short(&rec.item),
        designation(&source.id),
        short(&source.id),
        rec.day
    )
}
