//! The reviewer under hostile input: one test per class of attack of issue 14 (terminal escapes in
//! tar headers and error text, oversized tar extensions, a layout file that is not a small regular
//! file, interrupts, a destination swapped mid-run, invisible characters, a forged `read` frame).
//! Key import from the stock age CLI is in `keyimport.rs`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use postern_spool::envelope::Kind;

use crate::support::{
    Reviewer, ServerSpool, all_files, bin, content, extracted, run, source_folder, stderr, stdout,
    tool,
};

fn vectors() -> PathBuf {
    crate::support::workspace_root().join("tests/vectors/bundle")
}

/// The output has no ESC, BEL, C1 control (raw or UTF-8) or other control but newline.
/// The tar fault vectors.
fn tar_vectors() -> impl Iterator<Item = PathBuf> {
    fs::read_dir(vectors())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
}

fn assert_clean(what: &str, bytes: &[u8]) {
    assert!(
        !bytes
            .iter()
            .any(|b| matches!(b, 0x1b | 0x07 | 0x9b | 0x9d | 0x0d)),
        "{what}: a raw control byte reached the terminal: {:?}",
        String::from_utf8_lossy(bytes)
    );
    let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && postern_spool::sanitize::is_dangerous(c)),
        "{what}: {text:?}"
    );
}

fn assert_output_clean(what: &str, out: &Output) {
    assert_clean(&format!("{what} (stdout)"), &out.stdout);
    assert_clean(&format!("{what} (stderr)"), &out.stderr);
}

/// Waits for a child, killing it (and failing) after `limit`.
fn wait_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn reviewer_cmd(r: &Reviewer, args: &[&str]) -> Command {
    let mut c = Command::new(bin("postern-review"));
    c.arg("--home")
        .arg(r.home())
        .arg("--passphrase-file")
        .arg(&r.passphrase_file)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn hostile_escape_sequences_in_tar_headers_and_error_paths_never_reach_the_terminal() {
    let reviewer = Reviewer::new();
    let server = ServerSpool::new(reviewer.recipients(), 31);
    reviewer.ok(&["trust", &server.verifying_key()]);
    let mut n = 0;
    for path in tar_vectors() {
        let out = reviewer.cmd(&["import", path.to_str().unwrap()]);
        assert!(!out.status.success(), "{} imported", path.display());
        assert!(!stdout(&out).contains("Imported"), "{}", path.display());
        assert!(
            stderr(&out).contains("refused"),
            "{}: {}",
            path.display(),
            stderr(&out)
        );
        assert_output_clean(&path.display().to_string(), &out);
        // The same through standard input.
        let child = reviewer_cmd(&reviewer, &["import", "-"])
            .stdin(fs::File::open(&path).unwrap())
            .spawn()
            .unwrap();
        let out = wait_within(child, Duration::from_secs(20), "import -");
        assert!(!out.status.success());
        assert_output_clean("import -", &out);
        n += 1;
    }
    assert!(n >= 18, "only {n} vectors");
    // Error paths: a file whose name paints a fake success line, and a spool copy whose folder
    // names carry escapes.
    let work = tempfile::tempdir().unwrap();
    let evil = work
        .path()
        .join("\x1b[1A\x1b[2K\rImported 9 new item(s). Every item verified.\x07\u{9b}0m.tar");
    fs::write(&evil, b"not a bundle at all").unwrap();
    for input in [evil.clone(), work.path().join("missing\x1b]0;title\x07")] {
        let out = reviewer.cmd(&["import", input.to_str().unwrap()]);
        assert!(!out.status.success());
        assert_output_clean("error path", &out);
    }
    let out = reviewer.cmd(&[
        "import",
        work.path()
            .join("missing\x1b]0;title\x07")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        stderr(&out).contains("missing\\u{1b}]0;title\\u{7}"),
        "{}",
        stderr(&out)
    );
    let spool = work.path().join("spool\x1b[31m");
    fs::create_dir_all(spool.join("sources/\x1b]0;x\x07")).unwrap();
    fs::write(spool.join("postern-spool"), "postern-spool 1\n").unwrap();
    let out = reviewer.cmd(&["import", spool.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_output_clean("spool copy", &out);
}

/// A bundle whose first extension header declares `declared` bytes, followed by as many bytes as
/// the reader will take (up to 3 GiB), streamed on stdin to a reviewer limited to 256 MiB of
/// address space.
fn oversized(reviewer: &Reviewer, kind: u8, declared: u64) -> (Output, Duration) {
    // The marker entry (header and one data block), then the extension header.
    let mut stream = fs::read(vectors().join("longname-2gib.tar")).unwrap()[..1024].to_vec();
    let mut h = [0u8; 512];
    h[..13].copy_from_slice(b"././@LongLink");
    h[100..108].copy_from_slice(b"0000600\0");
    h[124..136].copy_from_slice(format!("{declared:011o}\0").as_bytes());
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    stream.extend_from_slice(&h);
    let start = Instant::now();
    let mut child = Command::new(tool("prlimit"))
        .arg(format!("--as={}", 256u64 << 20))
        .arg(bin("postern-review"))
        .arg("--home")
        .arg(reviewer.home())
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        if stdin.write_all(&stream).is_err() {
            return;
        }
        let chunk = vec![b'A'; 1 << 20];
        for _ in 0..3072 {
            if stdin.write_all(&chunk).is_err() {
                return; // the reader stopped: what it should do
            }
        }
    });
    let out = wait_within(child, Duration::from_secs(60), "oversized import");
    let took = start.elapsed();
    writer.join().unwrap();
    (out, took)
}

#[test]
fn hostile_oversized_long_name_and_pax_entries_are_refused_in_256_mib() {
    let reviewer = Reviewer::new();
    let server = ServerSpool::new(reviewer.recipients(), 32);
    reviewer.ok(&["trust", &server.verifying_key()]);
    for (kind, declared) in [
        (b'L', 2u64 << 30),
        (b'x', 2 << 30),
        (b'L', 4097),
        (b'x', 64 << 20),
    ] {
        let (out, took) = oversized(&reviewer, kind, declared);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("larger than 4 KiB"),
            "{} {declared}: {err}",
            kind as char
        );
        assert!(took < Duration::from_secs(10), "took {took:?}");
        assert_output_clean("oversized", &out);
    }
}

#[test]
fn hostile_layout_marker_that_is_a_link_a_fifo_or_huge_is_refused_quickly() {
    let reviewer = Reviewer::new();
    let server = ServerSpool::new(reviewer.recipients(), 33);
    reviewer.ok(&["trust", &server.verifying_key()]);
    let work = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let d = work.path().join(name);
        fs::create_dir_all(d.join("sources")).unwrap();
        d
    };
    let link = make("link");
    std::os::unix::fs::symlink("/dev/zero", link.join("postern-spool")).unwrap();
    let fifo = make("fifo");
    let out = run(Command::new("mkfifo").arg(fifo.join("postern-spool")));
    assert!(out.status.success());
    let huge = make("huge");
    let f = fs::File::create(huge.join("postern-spool")).unwrap();
    f.set_len(2_000_000_000).unwrap(); // sparse: 2 GB that a reader would have to read
    let to_good = make("to-good");
    fs::write(work.path().join("good-marker"), "postern-spool 1\n").unwrap();
    std::os::unix::fs::symlink(
        work.path().join("good-marker"),
        to_good.join("postern-spool"),
    )
    .unwrap();
    let dev = make("folder");
    fs::create_dir(dev.join("postern-spool")).unwrap();
    for d in [&link, &fifo, &huge, &to_good, &dev] {
        let start = Instant::now();
        let child = reviewer_cmd(&reviewer, &["import", d.to_str().unwrap()])
            .spawn()
            .unwrap();
        let out = wait_within(child, Duration::from_secs(10), &d.display().to_string());
        assert!(!out.status.success(), "{}", d.display());
        assert!(
            stderr(&out).contains("is not a Postern spool"),
            "{}: {}",
            d.display(),
            stderr(&out)
        );
        assert!(start.elapsed() < Duration::from_secs(5));
    }
    // Records and ciphertexts of a copied spool: links and FIFOs are refused too.
    let mut s2 = ServerSpool::new(reviewer.recipients(), 33);
    let src = s2.source();
    let rec = s2.store(&src, Kind::File, "a.txt", b"abc");
    let (age, _) = s2.spool.item_paths(&src, &rec.item);
    fs::remove_file(&age).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &age).unwrap();
    let child = reviewer_cmd(&reviewer, &["import", s2.root().to_str().unwrap()])
        .spawn()
        .unwrap();
    let out = wait_within(child, Duration::from_secs(10), "linked ciphertext");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
    let srec = s2.spool.source_record_path(&src);
    fs::remove_file(&age).unwrap();
    fs::remove_file(&srec).unwrap();
    let out = run(Command::new("mkfifo").arg(&srec));
    assert!(out.status.success());
    let child = reviewer_cmd(&reviewer, &["import", s2.root().to_str().unwrap()])
        .spawn()
        .unwrap();
    let out = wait_within(child, Duration::from_secs(10), "FIFO source record");
    assert!(!out.status.success());
}

/// Every file under `dir` (recursively) holding `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(list) = fs::read_dir(dir) else {
        return hits;
    };
    for e in list.flatten() {
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            hits.extend(files_holding(&p, needle));
        } else if t.is_file() {
            let data = fs::read(&p).unwrap_or_default();
            if data.windows(needle.len()).any(|w| w == needle) {
                hits.push(p);
            }
        }
    }
    hits
}

/// Waits until the process `pid` holds a file open under `dir` (an O_TMPFILE shows as
/// `<dir>/#<inode> (deleted)`), or a file appears in `dir`.
fn wait_for_work(pid: u32, dir: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    let dir = fs::canonicalize(dir).unwrap_or(dir.to_path_buf());
    while start.elapsed() < limit {
        if let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) {
            for fd in fds.flatten() {
                if let Ok(target) = fs::read_link(fd.path())
                    && target.starts_with(&dir)
                    && target != dir
                {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn signal(child: &Child, sig: &str) {
    let out = run(Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string()));
    assert!(out.status.success(), "kill -{sig}");
}

const BIG: usize = 96 << 20;

#[test]
fn hostile_sigint_sigterm_sigkill_during_extract_and_import_leave_no_plaintext() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 34);
    let src = server.source();
    let body = content(BIG, 34);
    let marker = body[..4096].to_vec();
    let rec = server.store(&src, Kind::File, "big.bin", &body);
    drop(body);
    reviewer.ok(&["trust", &server.verifying_key()]);
    // The store exists before the first import (its creation stages the layout file).
    reviewer.ok(&["list"]);
    let store_tmp = reviewer.home().join("store/tmp");
    let tmp_files = || fs::read_dir(&store_tmp).map(|d| d.count()).unwrap_or(0);
    // Import, interrupted while it stages.
    for sig in ["INT", "TERM", "KILL"] {
        let child = reviewer_cmd(&reviewer, &["import", server.root().to_str().unwrap()])
            .spawn()
            .unwrap();
        let started = wait_for_work(child.id(), &store_tmp, Duration::from_secs(30));
        assert!(started, "import never staged anything");
        signal(&child, sig);
        let out = wait_within(child, Duration::from_secs(20), "interrupted import");
        assert!(
            !out.status.success(),
            "{sig}: import finished before the signal"
        );
        if sig != "KILL" {
            assert!(
                stderr(&out).contains("interrupted"),
                "{sig}: {}",
                stderr(&out)
            );
            assert_eq!(tmp_files(), 0, "{sig}: staged files left at exit");
        }
        // The next command, whatever it is, sweeps.
        let _ = reviewer.cmd(&["list"]);
        assert_eq!(
            tmp_files(),
            0,
            "{sig}: staged files left after the next command"
        );
        assert!(
            !reviewer.ok(&["list"]).contains("DESIGNATION"),
            "{sig}: half an import"
        );
    }
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    // Extract, interrupted while it decrypts.
    let work = tempfile::tempdir().unwrap();
    let id = rec.item.to_string();
    for sig in ["INT", "TERM", "KILL"] {
        let dest = work.path().join(format!("out-{sig}"));
        fs::create_dir_all(&dest).unwrap();
        let child = reviewer_cmd(
            &reviewer,
            &["extract", &id[..8], "--to", dest.to_str().unwrap()],
        )
        .spawn()
        .unwrap();
        // The source's folder, where the decrypted temporary is.
        let folder = dest.join(source_folder(&src));
        assert!(wait_for_work(child.id(), &folder, Duration::from_secs(60)));
        signal(&child, sig);
        let out = wait_within(child, Duration::from_secs(20), "interrupted extract");
        assert!(
            !out.status.success(),
            "{sig}: extract finished before the signal"
        );
        // Nothing of the plaintext, named or hidden, anywhere: the destination, the home.
        let _ = reviewer.cmd(&["list"]);
        for dir in [work.path(), reviewer.dir.path()] {
            let hits = files_holding(dir, &marker);
            assert!(hits.is_empty(), "{sig}: plaintext left in {hits:?}");
        }
        let mut left = Vec::new();
        all_files(&dest, &mut left);
        assert!(left.is_empty(), "{sig}: a file was left: {left:?}");
    }
}

#[test]
fn hostile_destination_swapped_for_a_symlink_mid_run_changes_nothing() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 35);
    let src = server.source();
    let body = content(BIG, 35);
    let rec = server.store(&src, Kind::File, "big.bin", &body);
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("out");
    let moved = work.path().join("out-moved");
    let elsewhere = work.path().join("attacker");
    fs::create_dir_all(&dest).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    let id = rec.item.to_string();
    let child = reviewer_cmd(
        &reviewer,
        &["extract", &id[..8], "--to", dest.to_str().unwrap()],
    )
    .spawn()
    .unwrap();
    // The source's folder is held open: swapping the destination above it changes nothing.
    let folder = source_folder(&src);
    assert!(wait_for_work(
        child.id(),
        &dest.join(&folder),
        Duration::from_secs(60)
    ));
    fs::rename(&dest, &moved).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &dest).unwrap();
    let out = wait_within(child, Duration::from_secs(120), "extract");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "a write was redirected"
    );
    let got = fs::read(extracted(&moved, "big.bin")).unwrap();
    assert!(got == body, "the extracted file differs");
    assert_eq!(fs::read_dir(&moved).unwrap().count(), 1);
    assert_eq!(fs::read_dir(moved.join(&folder)).unwrap().count(), 1);
}

const INVISIBLE: &[char] = &[
    '\u{2060}',
    '\u{00AD}',
    '\u{180E}',
    '\u{3164}',
    '\u{E0041}',
    '\u{E0001}',
    '\u{200B}',
    '\u{FEFF}',
    '\u{115F}',
    '\u{FE0F}',
    '\u{2066}',
    '\u{061C}',
];

#[test]
fn hostile_default_ignorable_and_format_characters_are_shown_not_hidden() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 36);
    let src = server.source();
    let hidden: String = INVISIBLE.iter().collect();
    let name = format!("report{hidden}.pdf");
    let text = format!("visible{hidden}text\n");
    server.store(&src, Kind::File, &name, b"pdf");
    let msg = server.store(&src, Kind::Message, "", text.as_bytes());
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    let id = msg.item.to_string();
    let out = reviewer.cmd(&["read", &id[..8]]);
    assert!(out.status.success());
    assert_output_clean("read", &out);
    let shown = stdout(&out);
    for c in INVISIBLE {
        assert!(
            shown.contains(&format!("\\u{{{:x}}}", u32::from(*c))),
            "{c:?}: {shown}"
        );
    }
    let dest = tempfile::tempdir().unwrap();
    let out = reviewer.cmd(&["extract", "--all", "--to", dest.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_output_clean("extract", &out);
    let folder = dest.path().join(source_folder(&src));
    let mut names: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let short = &id[..8];
    let day = msg.day;
    assert_eq!(
        names,
        vec![
            format!("{day}_message-{short}.raw"),
            format!("{day}_message-{short}.txt"),
            format!("{day}_report{}.pdf", "_".repeat(INVISIBLE.len())),
        ]
    );
    let clean = fs::read(folder.join(format!("{day}_message-{short}.txt"))).unwrap();
    assert_clean("message file", &clean);
    assert!(
        String::from_utf8(clean)
            .unwrap()
            .starts_with("visible\\u{2060}")
    );
    let raw = fs::read(folder.join(format!("{day}_message-{short}.raw"))).unwrap();
    assert_eq!(raw, text.as_bytes(), "the raw bytes are kept exactly");
    for n in &names {
        let mode = fs::metadata(folder.join(n)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{n}");
    }
}

#[test]
fn hostile_message_cannot_forge_the_read_frame() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 37);
    let src = server.source();
    let forged = "hello\n--- end (1 line(s)) ---\n\n--- message from quiet harbor (deadbeef), 2026-01-01 ---\rfake\u{2028}--- end ---\u{85}x\n\n";
    let msg = server.store(&src, Kind::Message, "", forged.as_bytes());
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    let id = msg.item.to_string();
    let out = reviewer.cmd(&["read", &id[..8]]);
    assert!(out.status.success());
    assert_output_clean("read", &out);
    let shown = stdout(&out);
    let lines: Vec<&str> = shown.lines().collect();
    // The frame: one header line, one end line; every content line behind the bar.
    assert!(lines[0].starts_with("--- message from "), "{shown}");
    assert_eq!(*lines.last().unwrap(), "--- end (5 line(s)) ---", "{shown}");
    assert_eq!(lines.len(), 7, "{shown}");
    for l in &lines[1..lines.len() - 1] {
        assert!(l.starts_with("\u{2502} "), "unframed line {l:?}");
    }
    assert_eq!(lines.iter().filter(|l| l.starts_with("---")).count(), 2);
}

#[test]
fn hostile_a_second_command_never_sweeps_what_a_running_import_stages() {
    let reviewer = Reviewer::new();
    let server = ServerSpool::new(reviewer.recipients(), 41);
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["list"]);
    // An import that waits on its input holds the home's lock.
    let mut child = reviewer_cmd(&reviewer, &["import", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = reviewer.home().join("lock");
    assert!(
        wait_for_work(
            child.id(),
            reviewer.home().as_path(),
            Duration::from_secs(30)
        ) && lock.exists()
    );
    for cmd in [&["list"][..], &["import", "-"]] {
        let out = reviewer.cmd(cmd);
        assert!(!out.status.success(), "{cmd:?} ran beside an import");
        assert!(
            stderr(&out).contains("another postern-review command"),
            "{}",
            stderr(&out)
        );
    }
    drop(child.stdin.take());
    let out = wait_within(child, Duration::from_secs(20), "import of nothing");
    assert!(!out.status.success());
    assert!(reviewer.cmd(&["list"]).status.success());
}

#[test]
fn hostile_escape_sequences_never_reach_the_operators_terminal_through_import_replies() {
    // The server's own reply-bundle import reads the same strict tar reader, and every error it
    // prints goes through the sanitizer: the fault vectors, and a file name that paints a fake
    // success line.
    let reviewer = Reviewer::new();
    let server = crate::support::Server::new(&reviewer.recipient, |c| c);
    let pinned = server.cli(&["trust-newsroom", &reviewer.signing_pub]);
    assert!(pinned.status.success(), "{}", stderr(&pinned));
    let n = tar_vectors()
        .map(|path| {
            let out = server.cli(&["import-replies", path.to_str().unwrap()]);
            assert!(!out.status.success(), "{} imported", path.display());
            assert!(!stdout(&out).contains("Imported"), "{}", path.display());
            assert_output_clean(&format!("import-replies {}", path.display()), &out);
        })
        .count();
    assert!(n >= 18, "only {n} vectors");
    let work = tempfile::tempdir().unwrap();
    let evil = work
        .path()
        .join("\x1b[1A\x1b[2K\rImported 9 new reply(ies).\x07\u{9b}0m.tar");
    fs::write(&evil, b"not a bundle at all").unwrap();
    let missing = work.path().join("missing\x1b]0;title\x07");
    for input in [&evil, &missing] {
        let out = server.cli(&["import-replies", input.to_str().unwrap()]);
        assert!(!out.status.success());
        assert_output_clean("import-replies error path", &out);
        if input == &missing {
            // The name of a missing bundle is in the error, made visible.
            assert!(
                stderr(&out).contains("missing\\u{1b}]0;title\\u{7}"),
                "{}",
                stderr(&out)
            );
        }
    }
}
