//! A greeting, written for nixbuild's tests as a vendored dependency.

/// The greeting for `name`.
pub fn greeting(name: &str) -> String {
    format!("Hello, {name}! (from nixbuild-greeting {})", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert!(super::greeting("x").starts_with("Hello, x!"));
    }
}
