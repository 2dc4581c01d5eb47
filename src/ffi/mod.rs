//! The C ABI: converts pointers and strings, validates arguments, records the per-thread
//! last error and delegates to [`crate::client`]. No HTTP here.
//!
//! Raw pointer arguments are dereferenced only through the helpers in `boundary`, whose
//! contract (pointers come from this library or are valid NUL-terminated strings) is
//! the documented C contract; that is why the exported functions are not `unsafe fn`.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod client;
mod code;
mod last_error;
mod options;
mod panic;
mod params;
mod queue;
mod stats;

pub use client::*;
pub use code::*;
pub use last_error::*;
pub use options::*;
pub use params::*;
pub use queue::*;
