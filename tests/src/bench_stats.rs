//! What the benchmarks share: samples with their min and median, ratios of both, the physical
//! references (`cp` + sync, `openssl speed`), the load average and a process's CPU time.
//! Included by each benchmark binary with `#[path]`.

#![allow(dead_code)] // Each benchmark uses a different part of it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// Timings (or any measure) of one side, one per round.
#[derive(Clone, Debug, Default)]
pub struct Samples(pub Vec<f64>);

impl Samples {
    pub fn push(&mut self, v: f64) {
        self.0.push(v);
    }

    pub fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.0.iter().copied().fold(0.0, f64::max)
    }

    pub fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let at = |i: usize| v.get(i).copied().unwrap_or(f64::NAN);
        if n % 2 == 1 {
            at(n / 2)
        } else if n == 0 {
            f64::NAN
        } else {
            (at(n / 2 - 1) + at(n / 2)) / 2.0
        }
    }

    /// `min / median / max` in seconds, for the spread.
    pub fn spread(&self) -> String {
        format!(
            "{:.2} / {:.2} / {:.2} s",
            self.min(),
            self.median(),
            self.max()
        )
    }
}

/// The speed ratio of `ours` against `theirs` (their time / our time: above 1 is faster), of
/// the medians and of the minimums, as one line.
pub fn ratio(ours: &Samples, theirs: &Samples) -> String {
    format!(
        "{:.2}x median, {:.2}x min",
        theirs.median() / ours.median(),
        theirs.min() / ours.min()
    )
}

/// One line for a side: its spread and throughput at the median.
pub fn side(name: &str, s: &Samples, mib: f64) -> String {
    format!(
        "  {name:<28} min/median/max {}  {:>7.1} MiB/s at the median",
        s.spread(),
        mib / s.median()
    )
}

/// The load average and uptime, to print with every figure (the machine is shared).
pub fn uptime() -> String {
    Command::new("uptime")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "uptime unavailable".to_owned())
}

/// `cp input out` then `sync out`: what the disk takes, in seconds.
pub fn cp_sync(input: &Path, out: &Path) -> Result<f64> {
    let _ = std::fs::remove_file(out);
    let t = Instant::now();
    let st = Command::new("cp").arg(input).arg(out).status()?;
    if !st.success() {
        bail!("cp failed");
    }
    let st = Command::new("sync").arg(out).status()?;
    if !st.success() {
        bail!("sync failed");
    }
    let secs = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(out);
    Ok(secs)
}

/// `openssl speed -evp chacha20-poly1305` on 64 KiB blocks (age's chunk), in MiB/s of one core.
pub fn openssl_chacha_mib_s() -> Result<f64> {
    let out = Command::new("openssl")
        .args([
            "speed",
            "-evp",
            "chacha20-poly1305",
            "-bytes",
            "65536",
            "-seconds",
            "2",
        ])
        .output()
        .context("running openssl speed")?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The last line: "ChaCha20-Poly1305   123456.78k" (thousands of bytes per second).
    let line = text
        .lines()
        .rev()
        .find(|l| l.to_ascii_lowercase().starts_with("chacha20"))
        .context("no result line from openssl speed")?;
    let field = line
        .split_whitespace()
        .last()
        .context("empty result line")?;
    let kb: f64 = field
        .trim_end_matches('k')
        .parse()
        .context("result not a number")?;
    Ok(kb * 1000.0 / (1024.0 * 1024.0))
}

/// The whole machine's CPU time so far, from the `cpu` line of `/proc/stat`, in clock ticks:
/// (idle, total). Idle counts `idle` and `iowait`; total every field but the guest ones (which
/// `user` and `nice` already hold).
pub fn machine_ticks() -> Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no cpu line in /proc/stat")?;
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().context("odd /proc/stat"))
        .collect::<Result<_>>()?;
    // user nice system idle iowait irq softirq steal
    let (Some(idle), Some(iowait), 8) = (f.get(3), f.get(4), f.len()) else {
        anyhow::bail!("short cpu line in /proc/stat");
    };
    Ok((idle + iowait, f.iter().sum()))
}

/// The share of the machine's CPU time left idle between two [`machine_ticks`] readings.
pub fn idle_share(before: (u64, u64), after: (u64, u64)) -> f64 {
    let total = after.1.saturating_sub(before.1);
    if total == 0 {
        return 0.0;
    }
    after.0.saturating_sub(before.0) as f64 / total as f64
}

/// User plus system CPU seconds of a process so far, from `/proc/PID/stat`.
pub fn cpu_secs(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').context("odd stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = f.get(11).context("no utime")?.parse()?;
    let stime: f64 = f.get(12).context("no stime")?.parse()?;
    Ok((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
