//! A seized laptop: after an interrupted `postern-send`, nothing under its state folder
//! contains, or lets anyone without the codename confirm, the newsroom's address, the file's
//! name, size or modification time, or the codename.

use std::os::unix::fs::MetadataExt;
use std::process::Command;

use super::{ApiSource, send_bin};
use crate::cutrelay::{Cut, CutRelay, Plan};
use crate::support::{Reviewer, Server, contains, content, run, stderr, stdout};

#[test]
fn an_interrupted_send_leaves_state_that_confirms_nothing_without_the_codename() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let relay = CutRelay::start(
        server.port,
        Plan::new(vec![Cut::Up(300_000)]).only(b"PATCH "),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("minutes-of-the-board.pdf");
    std::fs::write(&file, content(3 << 20, 4)).unwrap();
    let a = ApiSource::new(server.port);
    let other = ApiSource::new(server.port);
    let state = dir.path().join("state");
    let to = format!("http://127.0.0.1:{}", relay.port());
    let send = |codename: &str, retries: &str| {
        let cf = dir.path().join("codename");
        std::fs::write(&cf, codename).unwrap();
        let out = run(Command::new(send_bin())
            .args(["--to", &to, "--direct", "--segment-mib", "1"])
            .args(["--max-retries", retries, "--retry-base-ms", "20"])
            .arg("--codename-file")
            .arg(&cf)
            .arg("--state-dir")
            .arg(&state)
            .arg(&file));
        std::fs::remove_file(&cf).unwrap();
        out
    };
    let out = send(&a.codename, "0");
    assert!(!out.status.success(), "interrupted: {}", stdout(&out));
    assert!(
        stderr(&out).contains("run the same command again"),
        "{}",
        stderr(&out)
    );

    let meta = std::fs::metadata(&file).unwrap();
    let upload_id = std::fs::read_dir(server.spool().join("uploads"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .trim_end_matches(".log")
        .to_owned();
    let mut secrets: Vec<String> = vec![
        to.clone(),
        format!("127.0.0.1:{}", relay.port()),
        "minutes-of-the-board".into(),
        file.display().to_string(),
        meta.len().to_string(),
        meta.mtime().to_string(),
        upload_id.clone(),
        a.codename.clone(),
    ];
    secrets.extend(
        a.codename
            .split(' ')
            .filter(|w| w.len() >= 5)
            .map(str::to_owned),
    );
    let check = |what: &str| {
        let entries: Vec<_> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        assert!(!entries.is_empty(), "{what}: a state exists to resume from");
        for e in &entries {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
                "{what}: a random-looking name: {name}"
            );
            let bytes = std::fs::read(e.path()).unwrap();
            assert_eq!(bytes.len(), 552, "{what}: every state has one size");
            for s in &secrets {
                for form in [s.as_bytes().to_vec(), hex::encode(s).into_bytes()] {
                    assert!(!contains(&bytes, &form), "{what}: {name} holds {s}");
                    assert!(!contains(name.as_bytes(), &form), "{what}: the name is {s}");
                }
            }
            // The names the old plain-text scheme used (a hash of address and path) are
            // computable by anyone: none is here.
            let mut h = <sha2::Sha256 as sha2::Digest>::new();
            sha2::Digest::update(&mut h, to.as_bytes());
            sha2::Digest::update(&mut h, [0]);
            sha2::Digest::update(
                &mut h,
                std::fs::canonicalize(&file)
                    .unwrap()
                    .as_os_str()
                    .as_encoded_bytes(),
            );
            let guess = hex::encode(&sha2::Digest::finalize(h)[..16]);
            assert_ne!(
                name, guess,
                "{what}: a name computable without the codename"
            );
        }
        entries.len()
    };
    assert_eq!(check("after the interrupted send"), 1);

    // Another codename cannot find or open it: it starts an upload of its own.
    let out = send(&other.codename, "0");
    assert!(!stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert_eq!(
        check("after another codename's send"),
        2,
        "a second, unrelated state"
    );

    // The right codename, typed again, resumes and delivers.
    let out = send(&a.codename, "5");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
    check("after delivery");
}

/// With no `--state-dir`, the states go in a folder under the user's state folder whose name,
/// too, only the codename computes: nothing under the home folder is named after Postern. A
/// state that an older version left in `~/.local/state/postern-send/` moves over, resumes, and
/// the old folder goes.
#[test]
fn the_default_state_folder_is_named_from_the_codename_and_an_old_one_moves_into_it() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let relay = CutRelay::start(
        server.port,
        Plan::new(vec![Cut::Up(300_000)]).only(b"PATCH "),
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let file = dir.path().join("minutes-of-the-board.pdf");
    std::fs::write(&file, content(3 << 20, 5)).unwrap();
    let a = ApiSource::new(server.port);
    let b = ApiSource::new(server.port);
    let to = format!("http://127.0.0.1:{}", relay.port());
    let old = home.join(".local/state/postern-send");
    let send = |codename: &str, retries: &str, state_dir: Option<&std::path::Path>| {
        let cf = dir.path().join("codename");
        std::fs::write(&cf, codename).unwrap();
        let mut cmd = Command::new(send_bin());
        cmd.env("HOME", &home)
            .env_remove("XDG_STATE_HOME")
            .args(["--to", &to, "--direct", "--segment-mib", "1"])
            .args(["--max-retries", retries, "--retry-base-ms", "20"])
            .arg("--codename-file")
            .arg(&cf);
        if let Some(d) = state_dir {
            cmd.arg("--state-dir").arg(d);
        }
        let out = run(cmd.arg(&file));
        std::fs::remove_file(&cf).unwrap();
        out
    };
    // An older version was interrupted and left its state in `postern-send/`.
    let out = send(&a.codename, "0", Some(&old));
    assert!(!out.status.success(), "interrupted: {}", stdout(&out));
    assert_eq!(std::fs::read_dir(&old).unwrap().count(), 1);

    // The new default finds it (moved into the codename's folder) and resumes.
    let out = send(&a.codename, "5", None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
    assert!(!old.exists(), "the old folder is gone once empty");

    // Another codename: a folder of its own, with another name.
    let out = send(&b.codename, "5", None);
    assert!(out.status.success(), "{}", stderr(&out));
    let folders: Vec<String> = std::fs::read_dir(home.join(".local/state"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), 2, "one folder per codename: {folders:?}");
    assert_ne!(folders[0], folders[1]);
    for f in &folders {
        assert!(
            f.len() == 32 && f.bytes().all(|b| b.is_ascii_hexdigit()),
            "a random-looking folder name: {f}"
        );
    }
    // Nothing under the home folder is named after Postern or the file.
    let mut stack = vec![home.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_lowercase();
            for word in ["postern", "send", "minutes", "board"] {
                assert!(
                    !name.contains(word),
                    "{} is named {word}",
                    e.path().display()
                );
            }
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    // A rerun with the default folder finds the delivered marker and sends nothing.
    let out = send(&a.codename, "0", None);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("was delivered already"), "{said}");
}
