//! The panic guard every other FFI file builds on: at the bottom, so that nothing it
//! needs imports back (rustls-ffi's `panic.rs` holds the same place).

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run an infallible function; a panic returns `fallback` and leaves no trace.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}
