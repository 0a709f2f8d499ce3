//! Journalist accounts on the command line (`postern journalist add|list|reset|remove`), and a
//! journalist listener that refuses to start when it would be exposed.

use std::fs;
use std::process::Command;
use std::time::Duration;

use super::{Creds, JServer, JournalistLogin, assert_failed, line_after};
use crate::support::{bin, stderr, stdout};

/// `journalist add` refuses a name that is not lower-case letters: one test per name.
mod add_refuses_a_bad_name {
    use super::JServer;

    fn refused(bad: &str) {
        let (js, _r) = JServer::new("");
        let o = js.cli(&["journalist", "add", bad]);
        assert!(!o.status.success(), "{bad:?} accepted");
    }

    #[test]
    fn upper_case() {
        refused("Alice");
    }

    #[test]
    fn a_path() {
        refused("../x");
    }

    #[test]
    fn a_space() {
        refused("a b");
    }

    #[test]
    fn empty() {
        refused("");
    }
}

#[test]
fn journalist_accounts_cli_add_list_reset_remove() {
    let (js, _r) = JServer::new("");
    let alice = js.add("alice");
    let o = js.cli(&["journalist", "add", "alice"]);
    assert!(!o.status.success(), "a second alice");
    // Files: account 0600, auth file in tor's format with the key printed.
    use std::os::unix::fs::PermissionsExt;
    let acc = js.server.data().join("journalists/alice.toml");
    assert_eq!(
        fs::metadata(&acc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&acc).unwrap();
    assert!(text.contains("$argon2id$"), "{text}");
    assert!(
        !text.contains(&alice.passphrase),
        "the passphrase is not stored"
    );
    let auth = fs::read_to_string(js.auth_dir.join("alice.auth")).unwrap();
    let public = auth.trim().strip_prefix("descriptor:x25519:").unwrap();
    assert_eq!(public.len(), 52);
    let list = stdout(&js.cli(&["journalist", "list"]));
    assert!(list.contains("alice\ttor key present"), "{list}");
    // reset: new credentials, the old passphrase stops working.
    let o = js.cli(&["journalist", "reset", "alice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut fresh = parse_creds_reset(&stdout(&o));
    assert_ne!(fresh.passphrase, alice.passphrase);
    let mut c = js.client();
    let code = fresh.fresh_code();
    assert_failed(
        &c.try_login("alice", &alice.passphrase, &code),
        "old passphrase",
    );
    c.login(&mut fresh);
    // remove: the account and the key file.
    let o = js.cli(&["journalist", "remove", "alice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!acc.exists() && !js.auth_dir.join("alice.auth").exists());
    assert!(!js.cli(&["journalist", "remove", "alice"]).status.success());
}

fn parse_creds_reset(out: &str) -> Creds {
    let passphrase = line_after(out, "Passphrase:\n").to_owned();
    let secret = line_after(out, "secret: ").to_owned();
    Creds {
        name: "alice".into(),
        passphrase,
        secret,
        private_key: String::new(),
        last_step: 0,
    }
}

/// `postern serve` on a copy of `text`, which must exit within 10 s: (success, stderr).
fn serve(text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("postern.toml");
    fs::write(&c, text).unwrap();
    let mut child = Command::new(bin("postern"))
        .arg("serve")
        .arg("--config")
        .arg(&c)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.success(), err);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("the server started with a dangerous config");
}

/// Formerly the steps of `journalist_listener_fails_closed`.
mod journalist_listener_fails_closed {
    use super::{JServer, serve};
    use std::fs;

    #[test]
    fn on_the_port_of_the_source_interface() {
        let (js, _r) = JServer::new("");
        let text = fs::read_to_string(&js.server.config).unwrap();
        let same = text.replace(
            &format!(
                "listen = \"127.0.0.1:{}\"\ncookie_secure = false\nauthorized",
                js.jport
            ),
            &format!(
                "listen = \"127.0.0.1:{}\"\ncookie_secure = false\nauthorized",
                js.server.port
            ),
        );
        assert_ne!(same, text);
        let (ok, err) = serve(&same);
        assert!(!ok && err.contains("must not listen where"), "{err}");
    }

    #[test]
    fn with_a_malformed_auth_file_beside_a_good_one() {
        // Tor would ignore it; refuse.
        let (js, _r) = JServer::new("");
        let text = fs::read_to_string(&js.server.config).unwrap();
        fs::write(
            js.auth_dir.join("broken.auth"),
            "descriptor:x25519:tooshort\n",
        )
        .unwrap();
        let (ok, err) = serve(&text);
        assert!(!ok && err.contains("malformed"), "{err}");
    }

    #[test]
    fn with_no_auth_file_at_all() {
        // The onion would be public; refuse.
        let (js, _r) = JServer::new("");
        let text = fs::read_to_string(&js.server.config).unwrap();
        fs::remove_file(js.auth_dir.join("placeholder.auth")).unwrap();
        let (ok, err) = serve(&text);
        assert!(!ok && err.contains("no journalist is authorized"), "{err}");
    }
}
