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
    bindings.write_to_file(out_dir.join("plivo.h"));
    if env::var_os("PLIVO_REGENERATE_HEADER").is_some() {
        bindings.write_to_file(crate_dir.join("include/plivo.h"));
    }

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=PLIVO_REGENERATE_HEADER");
}
