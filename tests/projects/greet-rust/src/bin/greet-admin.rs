//! An administration tool shipped beside the program (not in the image).
fn main() {
    println!("greet-admin: nothing to administer");
}
