//! libplivo: a client for Plivo's Audio Stream API with a stable C ABI.
//!
//! Rust users use [`Client`] directly; C, C++, Python and Go programs use the
//! `plivo_*` functions declared in `include/plivo.h` (see the `ffi` module).

pub mod client;
pub mod ffi;

pub use client::*;
