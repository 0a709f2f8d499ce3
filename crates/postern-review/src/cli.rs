//! Command-line interface.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use postern_spool::designation::designation;
use postern_spool::envelope::Kind;

use crate::dest::Dest;
use crate::extract::{extract_item, frame, read_message};
use crate::home::Home;
use crate::list::{find_item, find_source, load, short};
use crate::ui::{human_size, say, user_error};

/// Postern's reviewer, for the air-gapped machine: keep the newsroom key, import what the server
/// received, verify it, read messages and extract files.
#[derive(Parser)]
#[command(name = "postern-review", version, about, long_about = None)]
pub struct Cli {
    /// The reviewer's folder: keys, pinned server key, imported items.
    #[arg(long, global = true, env = "POSTERN_REVIEW_HOME", value_name = "DIR")]
    home: Option<PathBuf>,

    /// Read the newsroom key's passphrase from the first line of FILE instead of the terminal.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write this program's man page (roff) to standard output (used to build the package).
    #[command(hide = true)]
    Man,
    /// Create the newsroom key (hybrid post-quantum age1pq1…, or classical with --classical) and
    /// the reply-signing key (Ed25519), passphrase-protected
    ///
    /// With --import, the newsroom key is an existing age identity instead. In a home that holds a
    /// newsroom key but no reply-signing key, adds the signing key under the key's passphrase.
    Keygen {
        /// scrypt work factor (log2) for the key files; the default takes about a second.
        #[arg(long, hide = true, value_parser = clap::value_parser!(u8).range(10..=22))]
        scrypt_work_factor: Option<u8>,
        /// Use the newsroom identity in FILE instead of making one: a file written by
        /// `age-keygen`, plain or protected with `age -p` (binary or armored). It is protected
        /// again under this home's passphrase; FILE is left as it is.
        #[arg(long, value_name = "FILE")]
        import: Option<PathBuf>,
        /// Read the passphrase of the --import file from the first line of FILE instead of the
        /// terminal.
        #[arg(long, value_name = "FILE", requires = "import")]
        import_passphrase_file: Option<PathBuf>,
        /// Make a classical X25519 key (age1…) instead of a hybrid ML-KEM-768 + X25519 one
        /// (age1pq1…): only for tools that do not read hybrid keys (age before 1.3). Items sealed
        /// to it are not protected against a future quantum computer.
        #[arg(long)]
        classical: bool,
        /// Add a new newsroom key beside the existing ones (key rotation, or a move from
        /// classical to hybrid): the old keys stay in the key file so old items still open; the
        /// new recipient replaces recipient.txt. Same passphrase.
        #[arg(long)]
        rotate: bool,
    },
    /// Print the public newsroom recipient with its fingerprint, the reply-signing key, and the
    /// pinned server key.
    Keys,
    /// Pin the server's spool signing key (`ed25519:…`, printed by `postern init`).
    Trust {
        /// The key.
        key: String,
        /// Replace a different key that is already pinned.
        #[arg(long)]
        replace: bool,
    },
    /// Import a bundle file (or `-` for standard input) or a copied spool folder, verifying every
    /// item; all or nothing.
    Import {
        /// Bundle file, `-`, or spool folder.
        input: PathBuf,
    },
    /// List sources, or the items of one source.
    ///
    /// `list SOURCE` unlocks the newsroom key when the source sent resumable uploads: which piece
    /// belongs to which upload, and each upload's true size and state, are sealed inside the
    /// pieces. With --sealed it shows the rest without the key, and the pieces as one line.
    List {
        /// A source: its designation ("quiet harbor") or the start of its id.
        source: Option<String>,
        /// Do not unlock the newsroom key: show uploads' pieces as one sealed line.
        #[arg(long, requires = "source")]
        sealed: bool,
    },
    /// Show a message, with control characters made visible.
    Read {
        /// The start of the item's id (at least 4 hex digits).
        item: String,
    },
    /// Write a reply to a source: sealed to the source and the newsroom, signed, and queued for
    /// `export-replies`.
    Reply {
        /// The source: its designation ("quiet harbor") or the start of its id.
        source: String,
        /// Take the text from FILE (`-` for standard input) instead of opening $EDITOR.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write every queued reply into one signed bundle for `postern import-replies`.
    ExportReplies {
        /// The bundle file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Decrypt what is new into one folder per source (safe names, mode 0600, never
    /// overwriting)
    ///
    /// Every mode writes into DIR/<designation>-<short id>/, each item named by its day and
    /// original name (`2026-12-01_report.pdf`), and records what it wrote in the reviewer's home.
    /// Without ITEMS or --all: every file, message and complete upload not extracted before. An
    /// upload still missing bytes is reported with the ranges it lacks, and not extracted. With
    /// --all (or --again): all of them, extracted before or not. With ITEMS: those items, every
    /// time.
    Extract {
        /// Items, by the start of their ids (each into its source's folder).
        #[arg(conflicts_with_all = ["all", "source", "since"])]
        items: Vec<String>,
        /// Every file, message and complete upload (of --source, --since, if given), whether
        /// extracted before or not (the same as --again).
        #[arg(long)]
        all: bool,
        /// Only this source: its designation ("quiet harbor") or the start of its id.
        #[arg(long, value_name = "SOURCE")]
        source: Option<String>,
        /// Only items of this day or later (YYYY-MM-DD).
        #[arg(long, value_name = "DAY", value_parser = parse_day)]
        since: Option<postern_spool::day::Day>,
        /// Extract again what earlier runs extracted (new names; nothing is overwritten).
        #[arg(long)]
        again: bool,
        /// Destination folder (created if missing).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
}

/// A day as `YYYY-MM-DD` (the form every listing prints).
fn parse_day(text: &str) -> Result<postern_spool::day::Day, String> {
    let bad = || format!("{text:?} is not a day of the form YYYY-MM-DD");
    let mut it = text.split('-');
    let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    // Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let day = postern_spool::day::Day(u32::try_from(days).map_err(|_| bad())?);
    // Only a date that prints back as given (no 2026-02-31).
    if day.to_string() != text {
        return Err(bad());
    }
    Ok(day)
}

fn default_home() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/postern-review")),
        None => Err(user_error(
            "no home folder is known",
            "pass --home DIR or set POSTERN_REVIEW_HOME",
        )),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let home = Home::new(
        match cli.home {
            Some(h) => h,
            None => default_home()?,
        },
        cli.passphrase_file,
    );
    match cli.command {
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
        }
        Command::Keygen {
            scrypt_work_factor,
            classical,
            rotate: true,
            ..
        } => {
            let recipient = home.rotate(scrypt_work_factor, classical)?;
            let fp = recipient
                .parse()
                .map(|r| postern_spool::recipients::fingerprint(&r))
                .unwrap_or_default();
            say(&format!(
                "Added a new newsroom key in {}; the earlier ones stay beside it.",
                home.dir.display()
            ));
            say("");
            say(
                "New newsroom recipient (replace the old one in the server's config, then restart it):",
            );
            say(&format!("  {recipient}"));
            say(&format!("  fingerprint {fp}"));
            say("");
            say(
                "Items sealed to the earlier keys still open here. See the operator guide, \"Key rotation\".",
            );
        }
        Command::Keygen {
            scrypt_work_factor,
            import,
            import_passphrase_file,
            classical,
            rotate: false,
        } => {
            let import = import.map(|file| crate::home::ImportKey {
                file,
                passphrase_file: import_passphrase_file,
            });
            let made = home.keygen(scrypt_work_factor, import.as_ref(), classical)?;
            if made.made_identity {
                say(&format!(
                    "{} the newsroom keys in {}.",
                    if import.is_some() {
                        "Imported the newsroom identity and created"
                    } else {
                        "Created"
                    },
                    home.dir.display()
                ));
            } else {
                say(&format!(
                    "Added a reply-signing key to {}, under the newsroom key's passphrase.",
                    home.dir.display()
                ));
            }
            say("");
            say("Newsroom recipient (put it in the server's config, `postern init --recipient`):");
            for r in &made.recipients {
                say(&format!("  {r}"));
                if let Ok(parsed) = r.parse() {
                    say(&format!(
                        "  fingerprint {}",
                        postern_spool::recipients::fingerprint(&parsed)
                    ));
                }
            }
            say("Reply-signing key (the server pins it to accept reply bundles):");
            say(&format!("  {}", made.signing));
            say("");
            if import.is_some() {
                say(
                    "The key file you imported is unchanged: keep it or destroy it as your newsroom's rules say.",
                );
            }
            say("Keep the passphrase safe: without it, nothing sent to this key can be read.");
        }
        Command::Keys => {
            let recipients = home.newsroom_recipients()?;
            for r in recipients.iter() {
                say(&format!("newsroom recipient ({}): {r}", r.kind()));
                say(&format!(
                    "  fingerprint:      {}",
                    postern_spool::recipients::fingerprint(r)
                ));
            }
            for set in home.previous_recipients() {
                for r in set.iter() {
                    say(&format!(
                        "earlier recipient ({}, still opens old items): {r}",
                        r.kind()
                    ));
                    say(&format!(
                        "  fingerprint:      {}",
                        postern_spool::recipients::fingerprint(r)
                    ));
                }
            }
            if let Ok(s) = crate::home::read_bounded(&home.dir.join("signing-key.pub"), 1024) {
                say(&format!(
                    "reply-signing key:  {}",
                    String::from_utf8_lossy(&s).trim()
                ));
            }
            match home.pinned() {
                Ok(k) => say(&format!("pinned server key:  {k}")),
                Err(_) => say("pinned server key:  (none: run `postern-review trust ed25519:…`)"),
            }
        }
        Command::Trust { key, replace } => {
            let k = home.trust(&key, replace)?;
            say(&format!(
                "Pinned server key {k}. Imports now accept only items it signed."
            ));
        }
        Command::Import { input } => {
            let key = home.pinned()?;
            let store = home.store()?;
            let r = crate::import::import(&store, key, &input)?;
            say(&format!(
                "Imported {} new item(s) from {} source(s); {} already imported. Every item verified against {key}.",
                r.new_items, r.sources, r.known_items
            ));
            crate::list::remember_new(&home.dir, &r.new)?;
            if let Some(m) = &r.manifest {
                let parts = crate::import::record_part(&home.dir, m)?;
                let missing = parts.missing();
                let id = m.selection.to_string();
                let id = id.get(..12).unwrap_or(&id);
                if parts.parts == 1 {
                    // A bundle of one part: nothing more to say.
                } else if missing.is_empty() {
                    say(&format!(
                        "Part {} of {} of selection {id}: all {} parts are now imported.",
                        m.part, m.parts, m.parts
                    ));
                } else {
                    let list: Vec<String> = missing.iter().map(|n| n.to_string()).collect();
                    say(&format!(
                        "Part {} of {} of selection {id}: still missing part(s) {} (files postern-{id}-part-N-of-{}.tar).",
                        m.part,
                        m.parts,
                        list.join(", "),
                        m.parts
                    ));
                }
            }
            let mut per_source: Vec<(postern_spool::ids::SourceId, usize)> = Vec::new();
            for (sid, _) in &r.new {
                match per_source.last_mut() {
                    Some((s, n)) if s == sid => *n += 1,
                    _ => per_source.push((*sid, 1)),
                }
            }
            for (sid, n) in per_source {
                say(&format!(
                    "  {} ({}): {n} new",
                    designation(&sid),
                    short(&sid)
                ));
            }
        }
        Command::List { source, sealed } => {
            let new = crate::list::last_new(&home.dir);
            let key = home.pinned()?;
            let store = home.store_shared()?;
            let sources = load(&store, &key, home.signing_public().as_ref())?;
            match source {
                None => {
                    if sources.is_empty() {
                        say("No sources yet. Import a bundle with `postern-review import FILE`.");
                        return Ok(ExitCode::SUCCESS);
                    }
                    let width = crate::list::unique_len(sources.iter().map(|s| s.id.to_string()));
                    let rows: Vec<Vec<String>> = sources
                        .iter()
                        .map(|s| {
                            let last = s.items.last().map(|i| i.day).unwrap_or(s.record.day);
                            let fresh = s.items.iter().filter(|i| new.contains(&i.item)).count();
                            vec![
                                crate::list::prefix(&s.id, width),
                                designation(&s.id),
                                last.to_string(),
                                s.items.len().to_string(),
                                fresh.to_string(),
                                s.replies.len().to_string(),
                            ]
                        })
                        .collect();
                    for line in crate::ui::table(
                        &[
                            "SOURCE",
                            "DESIGNATION",
                            "LAST DAY",
                            "ITEMS",
                            "NEW",
                            "REPLIES",
                        ],
                        &[false, false, false, true, true, true],
                        &rows,
                    ) {
                        say(&line);
                    }
                }
                Some(sel) => {
                    let s = find_source(&sources, &sel)?;
                    say(&format!(
                        "{} ({}), first seen {}",
                        designation(&s.id),
                        short(&s.id),
                        s.record.day
                    ));

                    // The conversation, newest first: the source's items and the newsroom's
                    // replies, with what the last import brought marked "new". A resumable
                    // upload is one line with its true size and state (which needs the key: its
                    // manifest and segments say which is which).
                    let has_uploads = s
                        .items
                        .iter()
                        .any(|i| matches!(i.kind, Kind::Segment | Kind::Manifest));
                    let mut uploads: std::collections::HashMap<_, (String, String)> =
                        std::collections::HashMap::new();
                    let mut arriving = Vec::new();
                    let mut sealed_row = None;
                    if has_uploads && sealed {
                        let pieces: Vec<_> = s
                            .items
                            .iter()
                            .filter(|i| matches!(i.kind, Kind::Segment | Kind::Manifest))
                            .collect();
                        let day = pieces.iter().map(|i| i.day).max().unwrap_or(s.record.day);
                        sealed_row = Some(vec![
                            "-".to_owned(),
                            day.to_string(),
                            "uploads".to_owned(),
                            human_size(pieces.iter().map(|i| i.size).sum()),
                            format!(
                                "sealed: {} piece(s), padded; without --sealed the key is unlocked to show each upload's size and state",
                                pieces.len()
                            ),
                            String::new(),
                        ]);
                    } else if has_uploads {
                        crate::ui::note(
                            "this source sent resumable uploads: which piece is whose, and each upload's true size and state, are sealed inside them, so the newsroom key is unlocked to show them (`list SOURCE --sealed` shows the rest without it)",
                        );
                        let identities = home.unlock()?;
                        let mut named = std::collections::HashSet::new();
                        for m in s.items.iter().filter(|i| i.kind == Kind::Manifest) {
                            match crate::reassemble::read_manifest(&store, s, m, &identities) {
                                Ok(man) => {
                                    let present: std::collections::HashSet<_> =
                                        s.items.iter().map(|i| i.item).collect();
                                    let lacking: u64 = man
                                        .segments
                                        .iter()
                                        .filter(|e| !present.contains(&e.item))
                                        .map(|e| e.length)
                                        .sum();
                                    named.extend(man.segments.iter().map(|e| e.item));
                                    let state = if lacking == 0 {
                                        format!("complete, in {} segment(s)", man.segments.len())
                                    } else {
                                        format!(
                                            "incomplete: lacks {} (import the rest)",
                                            human_size(lacking)
                                        )
                                    };
                                    uploads.insert(m.item, (human_size(man.content), state));
                                }
                                Err(e) => {
                                    crate::ui::report_error(&e);
                                    uploads.insert(
                                        m.item,
                                        ("?".into(), "refused: see the error above".into()),
                                    );
                                }
                            }
                        }
                        arriving =
                            crate::reassemble::incomplete_uploads(&store, s, &identities, &named)?;
                    }
                    let mut all: Vec<_> = s
                        .items
                        .iter()
                        .filter(|i| i.kind != Kind::Segment)
                        .filter(|i| !(sealed && i.kind == Kind::Manifest))
                        .chain(&s.replies)
                        .collect();
                    all.sort_by_key(|i| (std::cmp::Reverse(i.day), i.kind == Kind::Reply, i.item));
                    let width = crate::list::unique_len(all.iter().map(|i| i.item.to_string()));
                    let mut rows: Vec<Vec<String>> = sealed_row.into_iter().collect();
                    for u in &arriving {
                        rows.push(vec![
                            crate::list::prefix(&u.upload, width),
                            u.day.to_string(),
                            "upload".into(),
                            human_size(u.have.iter().map(|(a, b)| b - a).sum()),
                            format!(
                                "in progress: has bytes {}, the rest not imported yet",
                                crate::reassemble::ranges_text(&u.have)
                            ),
                            String::new(),
                        ]);
                    }
                    for i in &all {
                        let mark = if new.contains(&i.item) { "new" } else { "" };
                        let (kind, size, state) = match i.kind {
                            Kind::Manifest => {
                                let (size, state) = uploads
                                    .get(&i.item)
                                    .cloned()
                                    .unwrap_or_else(|| (human_size(i.size), String::new()));
                                ("upload", size, state)
                            }
                            other => (other.as_str(), human_size(i.size), String::new()),
                        };
                        rows.push(vec![
                            crate::list::prefix(&i.item, width),
                            i.day.to_string(),
                            kind.to_owned(),
                            size,
                            state,
                            mark.to_owned(),
                        ]);
                    }
                    for line in crate::ui::table(
                        &["ITEM", "DAY", "KIND", "SIZE", "STATE", ""],
                        &[false, false, false, true, false, false],
                        &rows,
                    ) {
                        say(&line);
                    }
                }
            }
        }
        Command::Read { item } => {
            let key = home.pinned()?;
            let store = home.store_shared()?;
            let sources = load(&store, &key, home.signing_public().as_ref())?;
            let (s, rec) = find_item(&sources, &item)?;
            let identities = home.unlock()?;
            let text = read_message(&store, &s.id, rec, &identities)?;
            let header = format!(
                "{} from {} ({}), {}",
                rec.kind,
                designation(&s.id),
                short(&s.id),
                rec.day
            );
            for line in frame(&header, &text) {
                say(&line);
            }
        }
        Command::Reply { source, file } => {
            let key = home.pinned()?;
            let store = home.store()?;
            let sources = load(&store, &key, home.signing_public().as_ref())?;
            let s = find_source(&sources, &source)?;
            let from = match file {
                Some(f) => crate::reply::TextFrom::File(f),
                None => crate::reply::TextFrom::Editor,
            };
            let text = crate::reply::read_text(&home, &from)?;
            let rec = crate::reply::write_reply(&home, &store, s, &text)?;
            say(&format!(
                "Wrote {}. It is queued: run `postern-review export-replies --to FILE` and carry FILE to the server.",
                crate::reply::describe(s, &rec)
            ));
        }
        Command::ExportReplies { to } => {
            let store = home.store()?;
            let (n, sources) = crate::reply::export(&home, &store, &to)?;
            say(&format!(
                "Wrote {n} reply(ies) to {sources} source(s) into {}, signed with the newsroom's reply-signing key.",
                to.display()
            ));
            say("On the server: postern import-replies --config CONFIG FILE");
        }
        Command::Extract {
            items,
            all,
            source,
            since,
            again,
            to,
        } => {
            let pick = if !items.is_empty() {
                Pick::Items(items)
            } else if all {
                Pick::All
            } else {
                Pick::New
            };
            return extract(&home, pick, source.as_deref(), since, again, &to);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn extract_one(
    store: &postern_spool::spool::Spool,
    s: &crate::list::SourceEntry,
    rec: &postern_spool::record::ItemRecord,
    identities: &[Box<dyn age::Identity + Send + Sync>],
    dest: &Dest,
    prefix: &str,
) -> Result<crate::extract::Extracted> {
    if rec.kind == Kind::Manifest {
        crate::reassemble::extract_upload(store, s, rec, identities, dest, prefix)
    } else {
        extract_item(store, &s.id, rec, identities, dest, prefix)
    }
}

/// What `extract` takes.
enum Pick {
    /// What earlier runs did not extract (unless `--again`).
    New,
    /// Everything (of `--source`, `--since`), extracted before or not.
    All,
    /// These items (prefixes of their ids), every time.
    Items(Vec<String>),
}

/// `extract`, every mode: one folder per source, items named by day and name, what was written
/// recorded in the home (so that the next run without ITEMS skips it).
fn extract(
    home: &Home,
    pick: Pick,
    source: Option<&str>,
    since: Option<postern_spool::day::Day>,
    again: bool,
    to: &std::path::Path,
) -> Result<ExitCode> {
    use crate::extract::{day_prefix, extracted, remember_extracted, source_folder};
    use crate::reassemble::{incomplete_uploads, ranges_text, read_manifest};
    let key = home.pinned()?;
    // Exclusive: the record of what was extracted is written as we go.
    let store = home.store()?;
    let sources = load(&store, &key, home.signing_public().as_ref())?;
    let done = match pick {
        Pick::New if !again => extracted(&home.dir),
        _ => std::collections::HashSet::new(),
    };
    // Per source: the items to extract, and whether to look for uploads still arriving (only
    // when extracting by selection, not named items).
    let picked: Vec<(
        &crate::list::SourceEntry,
        Vec<&postern_spool::record::ItemRecord>,
        bool,
    )> = match &pick {
        Pick::Items(wanted) => {
            let mut by_source: Vec<(
                &crate::list::SourceEntry,
                Vec<&postern_spool::record::ItemRecord>,
                bool,
            )> = Vec::new();
            for it in wanted {
                let (s, rec) = find_item(&sources, it)?;
                match by_source.iter_mut().find(|(o, _, _)| o.id == s.id) {
                    Some((_, recs, _)) => {
                        if !recs.iter().any(|r| r.item == rec.item) {
                            recs.push(rec);
                        }
                    }
                    None => by_source.push((s, vec![rec], false)),
                }
            }
            by_source
        }
        Pick::New | Pick::All => {
            let only = match source {
                Some(sel) => Some(find_source(&sources, sel)?.id),
                None => None,
            };
            sources
                .iter()
                .filter(|s| only.is_none_or(|o| o == s.id))
                .map(|s| {
                    let items: Vec<_> = s
                        .items
                        .iter()
                        .filter(|i| matches!(i.kind, Kind::File | Kind::Message | Kind::Manifest))
                        .filter(|i| since.is_none_or(|d| i.day >= d))
                        .filter(|i| !done.contains(&i.item))
                        .collect();
                    let segments = s
                        .items
                        .iter()
                        .any(|i| i.kind == Kind::Segment && since.is_none_or(|d| i.day >= d));
                    (s, items, segments)
                })
                .collect()
        }
    };
    let todo: usize = picked.iter().map(|(_, items, _)| items.len()).sum();
    let any_segments = picked.iter().any(|(_, _, segs)| *segs);
    if todo == 0 && !any_segments {
        say(&format!(
            "Nothing new to extract ({} item(s) were extracted before; --again extracts them again).",
            done.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let identities = home.unlock()?;
    crate::cleanup::install();
    let (mut written, mut failed, mut incomplete) = (0usize, 0usize, 0usize);
    for (s, fresh, segments) in picked {
        // Which segments the manifests here name (the rest belong to uploads still arriving).
        let mut named = std::collections::HashSet::new();
        let mut lacking = Vec::new();
        if segments {
            for m in s.items.iter().filter(|i| i.kind == Kind::Manifest) {
                if let Ok(man) = read_manifest(&store, s, m, &identities) {
                    named.extend(man.segments.iter().map(|e| e.item));
                }
            }
            match incomplete_uploads(&store, s, &identities, &named) {
                Ok(list) => lacking = list,
                Err(e) => {
                    failed += 1;
                    crate::ui::report_error(&e);
                }
            }
        }
        if fresh.is_empty() && lacking.is_empty() {
            continue;
        }
        let folder = to.join(source_folder(&s.id));
        let dest = Dest::open(&folder)?;
        say(&format!(
            "{} ({}): {}",
            designation(&s.id),
            short(&s.id),
            folder.display()
        ));
        for rec in fresh {
            match extract_one(&store, s, rec, &identities, &dest, &day_prefix(rec.day)) {
                Ok(x) => {
                    remember_extracted(&home.dir, &rec.item)?;
                    written += 1;
                    say(&format!(
                        "  {}  {}  {}",
                        short(&rec.item),
                        human_size(x.len),
                        x.path.display()
                    ));
                }
                Err(e) => {
                    failed += 1;
                    crate::ui::report_error(&e);
                }
            }
        }
        for u in lacking {
            incomplete += 1;
            let mut lacks: Vec<String> = Vec::new();
            if !u.gaps.is_empty() {
                lacks.push(format!("bytes {}", ranges_text(&u.gaps)));
            }
            lacks.push(format!(
                "everything from byte {} on (the total is known once the upload completes)",
                u.end
            ));
            say(&format!(
                "  upload {} ({}): incomplete, not extracted: has bytes {}; lacks {}",
                short(&u.upload),
                u.day,
                ranges_text(&u.have),
                lacks.join(" and ")
            ));
        }
    }
    say(&format!(
        "Extracted {written} new item(s){}.",
        if incomplete > 0 {
            format!(
                "; {incomplete} upload(s) still incomplete: import a newer bundle, then extract again"
            )
        } else {
            String::new()
        }
    ));
    if failed > 0 {
        return Err(user_error(
            format!("{failed} item(s) could not be extracted; no file was written for them"),
            "see the messages above; what was extracted is recorded, so the next run tries only the rest",
        ));
    }
    Ok(ExitCode::SUCCESS)
}
