//! Cancelling the request under way on this thread.
//!
//! ureq runs every transport method of a request on the thread that called it, so "the
//! request this socket is serving now" is exactly a thread-local, set by [`run`] for
//! the length of one call. Through it every wait below ureq (connect, send, receive,
//! name lookup, back-off) sees the request's cancel flag while it waits in short
//! slices, and the log sink sees that a request was abandoned with its queue. It sits
//! below [`super::observe`] and [`super::exchange`], which both ask it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set once to cancel a request; shared by the queue that may cancel it and the
/// worker running it.
#[derive(Debug, Default)]
pub(crate) struct CancelFlag {
    cancelled: AtomicBool,
    abandoned: AtomicBool,
}

impl CancelFlag {
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    /// Cancel a request whose queue is gone: nobody will take its result, and the host
    /// may already have freed what its log callback uses, so it logs nothing more.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
        self.cancel();
    }

    pub(crate) fn is_set(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

/// How a wait in slices goes on: one more slice, or why it ends.
pub(crate) enum Slice {
    Wait(Duration),
    Cancelled,
    TimedOut,
}

/// The next slice of a wait that ends at `deadline` (None: no deadline): at most
/// `max`, and none at all once the request this thread runs has been cancelled. Every
/// blocking wait of the library (connect, send, receive, name lookup, back-off) is cut
/// this way, so that a cancel is seen within one slice.
pub(crate) fn next_slice(deadline: Option<Instant>, max: Duration) -> Slice {
    if cancelled() {
        return Slice::Cancelled;
    }
    match deadline {
        None => Slice::Wait(max),
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Slice::Wait(left.min(max)),
            _ => Slice::TimedOut,
        },
    }
}

thread_local! {
    /// The cancel flag of the request this thread is running, if it can be cancelled.
    static CANCEL: RefCell<Option<Arc<CancelFlag>>> = const { RefCell::new(None) };
}

/// Run `body` as the exchange of a request cancelled by `cancel` (if any).
pub(crate) fn run<R>(cancel: Option<&Arc<CancelFlag>>, body: impl FnOnce() -> R) -> R {
    // Restored on the way out, a panic included: the flag belongs to this call only.
    struct Restore(Option<Arc<CancelFlag>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CANCEL.try_with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CANCEL.with(|c| c.replace(cancel.cloned())));
    body()
}

/// Whether the request this thread is running has been cancelled.
pub(crate) fn cancelled() -> bool {
    CANCEL
        .try_with(|c| c.borrow().as_ref().is_some_and(|f| f.is_set()))
        .unwrap_or(false)
}

/// Whether the request this thread is running was abandoned with its queue.
pub(crate) fn abandoned() -> bool {
    CANCEL
        .try_with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|f| f.abandoned.load(Ordering::Acquire))
        })
        .unwrap_or(false)
}
