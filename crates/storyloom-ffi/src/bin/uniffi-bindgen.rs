//! The workspace's own `uniffi-bindgen`, built from the same `uniffi` version as
//! `storyloom-ffi`, so the generated Swift, Kotlin and Python always match the scaffolding in
//! the library (a system-wide bindgen of another version would produce bindings that fail the
//! contract-version check at load time).
//!
//! `cargo run -p storyloom-ffi --bin uniffi-bindgen -- generate --library <lib> --language swift --out-dir <dir>`

fn main() {
    uniffi::uniffi_bindgen_main()
}
