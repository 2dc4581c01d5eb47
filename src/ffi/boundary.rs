//! The panic boundary and argument conversion shared by every exported function.
//!
//! Every fallible function runs its body through [`call`] (result code) or
//! [`construct`] (constructor pointer): a caught panic becomes `PLIVO_ERR_INTERNAL`, and
//! the outcome is recorded as the thread's last error. Infallible functions use
//! [`guard_or`]. Raw pointers become references or `&str` only through the helpers
//! below, which turn NULL and non-UTF-8 into `InvalidArgument`.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::client::{Error, Reply};

use super::code::PlivoCode;
use super::last_error;
pub(crate) use super::panic::guard_or;

/// Run a fallible body that returns a result code. `function` names the exported
/// function in messages that do not already name an operation.
pub(crate) fn call(function: &str, body: impl FnOnce() -> Result<Reply<()>, Error>) -> PlivoCode {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(done)) => {
            last_error::record_success(&done);
            PlivoCode::PLIVO_OK
        }
        Ok(Err(error)) => {
            let error = error.in_operation(function);
            let code = PlivoCode::for_kind(error.kind());
            last_error::record_error(code, &error);
            code
        }
        Err(_) => {
            last_error::record_panic();
            PlivoCode::PLIVO_ERR_INTERNAL
        }
    }
}

/// Run a constructor: the boxed value becomes an owned pointer, NULL on failure.
pub(crate) fn construct<T>(function: &str, body: impl FnOnce() -> Result<T, Error>) -> *mut T {
    let mut made = None;
    call(function, || {
        made = Some(body()?);
        Ok(Reply::default())
    });
    made.map_or(std::ptr::null_mut(), |value| Box::into_raw(Box::new(value)))
}

/// Run a setter of a builder handle (options, stream parameters): `name` is the
/// handle's argument name, and `apply` changes it or refuses the value.
pub(crate) fn update<T>(
    function: &str,
    handle: *mut T,
    name: &str,
    apply: impl FnOnce(&mut T) -> Result<(), Error>,
) -> PlivoCode {
    call(function, || {
        apply(arg_mut(handle, name)?)?;
        Ok(Reply::default())
    })
}

/// Free a value made by [`construct`]; NULL is a no-op.
pub(crate) fn free<T>(ptr: *mut T) {
    guard_or((), || {
        if !ptr.is_null() {
            // SAFETY: the caller hands back a pointer this library returned from
            // `construct`, exactly once (documented on every `_free` function).
            drop(unsafe { Box::from_raw(ptr) });
        }
    })
}

/// A shared reference from a pointer the caller got from this library.
pub(crate) fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: non-NULL pointers passed for library objects must come from the matching
    // constructor and not be freed yet (documented contract).
    unsafe { ptr.as_ref() }.ok_or_else(|| Error::invalid(format!("{name} is NULL")))
}

/// An exclusive reference from a pointer the caller got from this library.
pub(crate) fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: as for `arg_ref`; builders are documented as not shareable between threads
    // while being modified.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::invalid(format!("{name} is NULL")))
}

/// A `&str` from a NUL-terminated C string; NULL and non-UTF-8 are `InvalidArgument`.
pub(crate) fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    opt_str(ptr, name)?.ok_or_else(|| Error::invalid(format!("{name} is NULL")))
}

/// Like [`arg_str`] for arguments where NULL is allowed (it means "not given").
pub(crate) fn opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL string arguments must be NUL-terminated (documented contract).
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| Error::invalid(format!("{name} is not valid UTF-8")))
}

/// Hand a string to the caller through `char **out` (freed with `plivo_string_free`).
pub(crate) fn put_string(out: *mut *mut c_char, value: String) -> Result<(), Error> {
    let owned = std::ffi::CString::new(value).map_err(|_| {
        Error::new(
            crate::client::ErrorKind::InvalidResponse,
            "the answer contains a NUL byte",
        )
    })?;
    if !out.is_null() {
        // SAFETY: a non-NULL `out` must point to writable `char *` storage.
        unsafe { *out = owned.into_raw() };
    }
    Ok(())
}

/// Set `*out` to NULL first, so it is NULL on every failure path.
pub(crate) fn clear_out(out: *mut *mut c_char) {
    if !out.is_null() {
        // SAFETY: as for `put_string`.
        unsafe { *out = std::ptr::null_mut() };
    }
}
