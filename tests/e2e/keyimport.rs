//! `postern-review keygen --import`: identities made by Debian's `age-keygen`, plain or protected
//! with `age -p` (binary) or `age -p -a` (armored), brought into a reviewer home; a reply-signing
//! key added to a home that holds a copied identity but none.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use postern_spool::envelope::Kind;

use crate::support::{PASSPHRASE, ServerSpool, bin, run, stderr, stdout, tool};

/// A reviewer home at a given place, with a given passphrase file.
struct At {
    home: PathBuf,
    pass: PathBuf,
}

impl At {
    fn new(home: PathBuf, pass: PathBuf) -> At {
        At { home, pass }
    }

    fn cmd(&self, args: &[&str]) -> Output {
        run(Command::new(bin("postern-review"))
            .arg("--home")
            .arg(&self.home)
            .arg("--passphrase-file")
            .arg(&self.pass)
            .args(args))
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    fn recipients(&self) -> postern_spool::recipients::Recipients {
        let text = fs::read_to_string(self.home.join("recipient.txt")).unwrap();
        postern_spool::recipients::Recipients::parse(text.lines().filter(|l| !l.is_empty()))
            .unwrap()
    }
}

fn age_with_terminal(args: &str, input: &str) -> Output {
    // age asks for passphrases on a terminal: give it one with script(1).
    let mut child = Command::new(tool("script"))
        .args([
            "-qec",
            &format!("{} {args}", tool("age").display()),
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    out
}

#[test]
fn keys_made_by_age_keygen_are_imported_plain_and_passphrase_protected() {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("key.txt");
    let out = run(Command::new(tool("age-keygen")).arg("-o").arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let recipient = stdout(&run(Command::new(tool("age-keygen")).arg("-y").arg(&key)));
    let recipient = recipient.trim().to_owned();
    let file_pass = "the file's own passphrase 42";
    let mut files = vec![("plain", key.clone())];
    for (label, armor) in [("age -p", ""), ("age -p -a", "-a ")] {
        let f = work.path().join(format!("key{}.age", armor.trim()));
        let out = age_with_terminal(
            &format!("-p {armor}-o {} {}", f.display(), key.display()),
            &format!("{file_pass}\n{file_pass}\n"),
        );
        assert!(
            f.exists(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        files.push((label, f));
    }
    let passfile = work.path().join("file-pass");
    fs::write(&passfile, format!("{file_pass}\n")).unwrap();
    let wrong = work.path().join("wrong-pass");
    fs::write(&wrong, "not it at all\n").unwrap();
    let home_pass = work.path().join("home-pass");
    fs::write(&home_pass, format!("{PASSPHRASE}\n")).unwrap();
    for (label, file) in &files {
        let home = work.path().join(format!("home-{}", label.replace(' ', "")));
        let keygen = |pass: &Path| {
            run(Command::new(bin("postern-review"))
                .arg("--home")
                .arg(&home)
                .arg("--passphrase-file")
                .arg(&home_pass)
                .args(["keygen", "--scrypt-work-factor", "12", "--import"])
                .arg(file)
                .arg("--import-passphrase-file")
                .arg(pass))
        };
        if *label != "plain" {
            let out = keygen(&wrong);
            assert!(
                !out.status.success(),
                "{label}: a wrong passphrase was accepted"
            );
            assert!(
                stderr(&out).contains("wrong passphrase"),
                "{}",
                stderr(&out)
            );
            assert!(!home.join("identity.age").exists());
        }
        let out = keygen(&passfile);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&recipient),
            "{label}: {}",
            stdout(&out)
        );
        assert_eq!(
            fs::read_to_string(home.join("recipient.txt"))
                .unwrap()
                .trim(),
            recipient
        );
        assert!(home.join("signing-key.pub").exists());
        // The imported home opens what is sealed to the age-keygen key.
        let r = At::new(home.clone(), home_pass.clone());
        let mut server = ServerSpool::new(r.recipients(), 38);
        let src = server.source();
        let m = server.store(&src, Kind::Message, "", b"to the imported key");
        r.ok(&["trust", &server.verifying_key()]);
        r.ok(&["import", server.root().to_str().unwrap()]);
        assert!(
            r.ok(&["read", &m.item.to_string()[..8]])
                .contains("to the imported key")
        );
        // Never twice.
        assert!(!keygen(&passfile).status.success());
    }
    // A home that holds a copied `age -p` identity but no reply-signing key gets one, under
    // that identity's passphrase, and a wrong passphrase adds nothing.
    let home = work.path().join("home-copied");
    fs::create_dir_all(&home).unwrap();
    fs::copy(&files[1].1, home.join("identity.age")).unwrap();
    let add = |pass: &Path| {
        run(Command::new(bin("postern-review"))
            .arg("--home")
            .arg(&home)
            .arg("--passphrase-file")
            .arg(pass)
            .args(["keygen", "--scrypt-work-factor", "12"]))
    };
    assert!(!add(&wrong).status.success());
    assert!(!home.join("signing-key.age").exists());
    let out = add(&passfile);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Added a reply-signing key"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        fs::read_to_string(home.join("recipient.txt"))
            .unwrap()
            .trim(),
        recipient
    );
    let r = At::new(home.clone(), passfile.clone());
    assert!(r.ok(&["keys"]).contains("reply-signing key:  ed25519:"));
    // An armored identity file in place of identity.age opens too.
    let home = work.path().join("home-armored");
    fs::create_dir_all(&home).unwrap();
    fs::copy(&files[2].1, home.join("identity.age")).unwrap();
    let r = At::new(home.clone(), passfile.clone());
    assert!(
        r.cmd(&["keygen", "--scrypt-work-factor", "12"])
            .status
            .success()
    );
    let mut server = ServerSpool::new(r.recipients(), 39);
    let src = server.source();
    let m = server.store(&src, Kind::Message, "", b"armored");
    r.ok(&["trust", &server.verifying_key()]);
    r.ok(&["import", server.root().to_str().unwrap()]);
    assert!(
        r.ok(&["read", &m.item.to_string()[..8]])
            .contains("armored")
    );
}
