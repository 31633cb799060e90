//! A fake daemon for devup's tests (filled in by the controller work).
fn main() {}
