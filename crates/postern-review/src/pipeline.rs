//! Write-behind: the caller's thread produces bytes (decrypting, or reading and hashing) while a
//! second thread writes them out and flushes them to disk as it goes.
//!
//! [`write_behind`] hands the producer a [`Behind`] writer that gathers [`BUF`] bytes at a time
//! and passes each buffer through a channel [`DEPTH`] deep to the writing thread, which sends it
//! back to be filled again: memory stays at `DEPTH + 2` buffers whatever the file's size. Every
//! [`FLUSH_EVERY`] bytes the writing thread starts `fdatasync` on the file while the producer
//! goes on, so the fsync that makes the result durable at the end has only the tail left.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

/// Bytes gathered before they go to the writing thread.
pub const BUF: usize = 256 * 1024;
/// Buffers waiting for the writing thread.
pub const DEPTH: usize = 2;
/// Bytes written between two background flushes.
pub const FLUSH_EVERY: u64 = 16 << 20;

/// The producer's end: a [`Write`] whose bytes reach the output on the writing thread.
pub struct Behind {
    tx: Option<SyncSender<Vec<u8>>>,
    back: Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

impl Behind {
    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = match self.back.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(_) => Vec::with_capacity(BUF),
        };
        let full = std::mem::replace(&mut self.buf, next);
        let stopped = || io::Error::new(io::ErrorKind::BrokenPipe, "the writing thread stopped");
        self.tx
            .as_ref()
            .ok_or_else(stopped)?
            .send(full)
            .map_err(|_| stopped())
    }
}

impl Write for Behind {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = BUF.saturating_sub(self.buf.len());
        let take = room.min(data.len());
        self.buf.extend_from_slice(data.get(..take).unwrap_or(data));
        if self.buf.len() >= BUF {
            self.hand_over()?;
        }
        Ok(take)
    }

    /// Hands over what is gathered; it is written (not yet durable) soon after.
    fn flush(&mut self) -> io::Result<()> {
        self.hand_over()
    }
}

/// Runs `produce` on this thread with a [`Behind`] writer, while a second thread writes what it
/// produces to `out` and, when `sync` is given (the file under `out`), flushes it to disk in the
/// background every [`FLUSH_EVERY`] bytes. Returns what `produce` returned and the result of
/// writing (an error there is the real cause of any write error `produce` saw).
///
/// The output is not fsynced at the end: the caller does that, as before.
pub fn write_behind<W, T>(
    out: W,
    sync: Option<&File>,
    produce: impl FnOnce(&mut Behind) -> T,
) -> (T, io::Result<W>)
where
    W: Write + Send,
{
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Vec<u8>>(DEPTH);
        let (back_tx, back) = channel::<Vec<u8>>();
        let writer = s.spawn(move || -> io::Result<W> {
            let mut out = out;
            let mut since = 0u64;
            for buf in rx {
                out.write_all(&buf)?;
                since += buf.len() as u64;
                if since >= FLUSH_EVERY {
                    since = 0;
                    if let Some(f) = sync {
                        f.sync_data()?;
                    }
                }
                // The producer may have finished already; then the buffer is just dropped.
                let _ = back_tx.send(buf);
            }
            out.flush()?;
            Ok(out)
        });
        let mut behind = Behind {
            tx: Some(tx),
            back,
            buf: Vec::with_capacity(BUF),
        };
        let produced = produce(&mut behind);
        let handed = behind.hand_over();
        // Closing the channel ends the writing thread's loop.
        behind.tx = None;
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writing thread panicked")));
        (produced, written.and_then(|w| handed.map(|()| w)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_arrives_in_order_whatever_the_pieces() {
        let data: Vec<u8> = (0..(3 * BUF + 12_345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let (r, out) = write_behind(Vec::new(), None, |w| {
            for piece in data.chunks(10_007) {
                w.write_all(piece)?;
            }
            io::Result::Ok(())
        });
        r.unwrap();
        assert_eq!(out.unwrap(), data);
    }

    #[test]
    fn nothing_written_gives_nothing() {
        let (r, out) = write_behind(Vec::new(), None, |_| 7);
        assert_eq!(r, 7);
        assert!(out.unwrap().is_empty());
    }

    /// A sink that fails once it has taken `left` bytes.
    #[derive(Debug)]
    struct Failing {
        left: usize,
    }

    impl Write for Failing {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = b.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_reaches_both_sides() {
        let (r, out) = write_behind(Failing { left: BUF + 10 }, None, |w| {
            let chunk = vec![1u8; 4096];
            for _ in 0..(64 * BUF / 4096) {
                w.write_all(&chunk)?;
            }
            io::Result::Ok(())
        });
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(out.unwrap_err().to_string(), "disk full");
    }

    #[test]
    fn a_file_is_flushed_and_complete() {
        let dir = std::env::temp_dir().join(format!(
            "postern-review-pipeline-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out");
        let file = File::create(&path).unwrap();
        let data = vec![0xa5u8; (FLUSH_EVERY as usize) + 3 * BUF + 1];
        let (r, out) = write_behind(&file, Some(&file), |w| w.write_all(&data));
        r.unwrap();
        out.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
