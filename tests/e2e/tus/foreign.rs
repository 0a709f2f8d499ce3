//! A tus client that is not ours: Python's `tuspy`.

use std::process::Command;

use super::{ApiSource, review};
use crate::support::{Reviewer, Server, content, run, stderr, stdout};

/// A tus client that is not ours: Python's `tuspy` (installed by `tests/run`), with sha1 checksums
/// on every chunk, stopped halfway and resumed by a second uploader from the upload's address.
#[test]
fn a_foreign_tus_client_tuspy_uploads_and_resumes() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let a = ApiSource::new(server.port);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leak.bin");
    let data = content(1_234_567, 64);
    std::fs::write(&file, &data).unwrap();
    let script = r#"
import sys
try:
    from tusclient import client
except ImportError:
    sys.exit("tuspy is not installed: tests/run installs it (pip install tuspy)")
url, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
c = client.TusClient(url + "/api/v1/uploads", headers={"Authorization": "Bearer " + token})
up = c.uploader(path, chunk_size=200000, upload_checksum=True,
                metadata={"filename": "from-tuspy.bin", "filetype": "application/x-test"})
up.upload(stop_at=600000)
first = up.offset
again = c.uploader(path, url=up.url, chunk_size=300000, upload_checksum=True)
start = again.offset
again.upload()
print(first, start, again.offset)
"#;
    // The python3 on PATH: the one `tests/run` installed tuspy into with `python3 -m pip`.
    let out = run(Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(&a.auth)
        .arg(&file));
    assert!(out.status.success(), "tuspy: {}", stderr(&out));
    let nums: Vec<u64> = stdout(&out)
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 3, "{}", stdout(&out));
    assert!(
        nums[0] >= 600_000 && nums[0] < data.len() as u64,
        "{nums:?}"
    );
    assert_eq!(
        nums[1], nums[0],
        "the second uploader resumed at the server's offset"
    );
    assert_eq!(nums[2], data.len() as u64);
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "from-tuspy.bin");
    assert!(files[0].1 == data, "byte-identical");
}
