//! hello: greets, says where it runs, and checks the image's basics
//! (the user it runs as, and that /tmp is writable).

use std::fs;

/// The real user and group ids, from the kernel's view of this process.
fn ids() -> Option<(String, String)> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_string)
    };
    Some((field("Uid:")?, field("Gid:")?))
}

fn greeting(arch: &str) -> String {
    format!("Hello from nixbuild! ({} {})", env!("CARGO_PKG_NAME"), arch)
}

fn main() {
    println!("{}", greeting(std::env::consts::ARCH));
    if let Some((uid, gid)) = ids() {
        println!("uid={uid} gid={gid}");
    }
    let probe = std::env::temp_dir().join("hello-rust-probe");
    let writable = fs::write(&probe, b"ok").is_ok() && fs::remove_file(&probe).is_ok();
    println!("tmp={}", if writable { "writable" } else { "read-only" });
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets_with_the_arch() {
        assert_eq!(super::greeting("x"), "Hello from nixbuild! (hello-rust x)");
    }
}
