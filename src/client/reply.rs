//! The one value of a successful answer, from the exchange that read it up to the C
//! boundary (the blocking call's success record and a completion queue's result are
//! both made from it).

/// A successful answer: the HTTP status, the body's `api_id` (if any) and the value.
/// `Reply::<()>::default()` is the success of a call that sent nothing (status 0).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reply<T> {
    pub status: u16,
    pub api_id: Option<String>,
    pub value: T,
}

use super::error::Error;

impl<T> Reply<T> {
    /// Keep the status and api_id, replace the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            status: self.status,
            api_id: self.api_id,
            value: f(self.value),
        }
    }

    /// Replace the value by `f`'s, or fail with `f`'s error, which then carries this
    /// answer's status and api_id (the answer was received, however it is read).
    pub fn try_map<U>(self, f: impl FnOnce(T) -> Result<U, Error>) -> Result<Reply<U>, Error> {
        let Reply {
            status,
            api_id,
            value,
        } = self;
        match f(value) {
            Ok(value) => Ok(Reply {
                status,
                api_id,
                value,
            }),
            Err(e) => Err(e.with_response(status, api_id)),
        }
    }
}
