//! libplivo: a client for Plivo's Audio Stream API with a stable C ABI.
//!
//! Rust users use [`Client`] directly; C, C++, Python and Go programs use the
//! `plivo_*` functions declared in `include/plivo.h` (see the `ffi` module).

pub mod client;
pub mod ffi;

pub use client::*;

/// The C result code (`PlivoCode`) that the C ABI returns for an error of this kind:
/// the one mapping, for Rust programs that report the same numbers (`plivo-stream`'s
/// exit status). `result_code(kind) as i32` is the number; `{:?}` prints its name.
pub fn result_code(kind: ErrorKind) -> ffi::PlivoCode {
    ffi::PlivoCode::for_kind(kind)
}
