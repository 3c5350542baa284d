//! `uniffi-bindgen generate --library target/release/libkassa_mobile.so --language kotlin|swift ...`
fn main() {
    uniffi::uniffi_bindgen_main()
}
