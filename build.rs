// rust-embed tracks edits to embedded files but not new files; this makes
// adding a document to knowledge/ rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=knowledge");
}
