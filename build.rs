//! Sets the shared library's SONAME and generates the C header with cbindgen.
//!
//! The header is written to `$OUT_DIR/plivo.h` on every build; a test compares it with
//! the committed `include/plivo.h`. `PLIVO_REGENERATE_HEADER=1 cargo build` also writes
//! the committed copy.

use std::env;
use std::path::PathBuf;

fn main() {
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets the version");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("cargo sets the version");
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets the version");

    // The SONAME carries the major version: libplivo.so.0 for every 0.x release.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libplivo.so.{major}");
    }

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let version_macros = format!(
        "\n#define PLIVO_VERSION \"{version}\"\n\
         #define PLIVO_VERSION_MAJOR {major}\n\
         #define PLIVO_VERSION_MINOR {minor}\n\
         #define PLIVO_VERSION_PATCH {patch}\n"
    );
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .with_after_include(version_macros)
        .generate()
        .expect("cbindgen generates the header");
    let mut header = Vec::new();
    bindings.write(&mut header);
    let header = with_enum_parameters(String::from_utf8(header).expect("the header is UTF-8"));
    std::fs::write(out_dir.join("plivo.h"), &header).expect("OUT_DIR is writable");
    if env::var_os("PLIVO_REGENERATE_HEADER").is_some() {
        std::fs::write(crate_dir.join("include/plivo.h"), &header).expect("include/ is writable");
    }

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=PLIVO_REGENERATE_HEADER");
}

/// Enum parameters that C passes in. The Rust functions take them as `int`, because a
/// value outside a Rust enum's variants is undefined behaviour there and the library
/// must answer a bad value with PLIVO_ERR_INVALID_ARGUMENT; C declares them with the
/// enum's type, which is what the contract names (and ABI-identical to `int`).
fn with_enum_parameters(header: String) -> String {
    const PARAMETERS: [(&str, &str); 1] = [("int max_level", "enum PlivoLogLevel max_level")];
    PARAMETERS.iter().fold(header, |text, (from, to)| {
        assert!(
            text.contains(from),
            "build.rs: `{from}` is no longer in the header"
        );
        text.replace(from, to)
    })
}
