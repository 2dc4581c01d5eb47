//! The exchange under way on this thread, as the layers below ureq see it.
//!
//! ureq runs every transport method of a request on the thread that called it, so "the
//! request this socket is serving now" is exactly a thread-local, set by
//! [`Transport::execute`](super::transport) for the length of one call. Through it the
//! socket layer sees the request's cancel flag while it waits in short slices, and
//! connection events reach the client's log sink *after* ureq has released its pool
//! lock: events are queued here and emitted at [`flush`] points, so that the host's
//! callback never runs while the library holds a lock.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::observe::{ConnEvent, Observer};

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
    /// Connection events waiting to be logged outside every lock.
    static PENDING: RefCell<Vec<(Arc<Observer>, ConnEvent, String)>> = const { RefCell::new(Vec::new()) };
    /// The request this thread is running, as log fields (`op=… call_uuid=…`); set
    /// only when its client logs.
    static LABEL: RefCell<String> = const { RefCell::new(String::new()) };
    /// HTTP attempts made by the request this thread is running.
    static ATTEMPTS: Cell<u32> = const { Cell::new(0) };
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

/// A new request begins on this thread: no attempt yet, and `label` for log lines.
pub(crate) fn begin(label: String) {
    let _ = ATTEMPTS.try_with(|a| a.set(0));
    let _ = LABEL.try_with(|l| *l.borrow_mut() = label);
}

/// The log fields of the request this thread is running.
pub(crate) fn label() -> String {
    LABEL.try_with(|l| l.borrow().clone()).unwrap_or_default()
}

/// One more HTTP attempt of the request this thread is running.
pub(crate) fn count_attempt() {
    let _ = ATTEMPTS.try_with(|a| a.set(a.get().saturating_add(1)));
}

/// The attempts the request this thread ran (or is running) has made so far.
pub(crate) fn attempts() -> u32 {
    ATTEMPTS.try_with(Cell::get).unwrap_or(0)
}

/// Count a connection event now and log it at the next [`flush`].
pub(crate) fn connection(observer: &Arc<Observer>, event: ConnEvent, peer: &str) {
    observer.count_connection(event);
    if observer.hears(super::observe::LogLevel::Debug) {
        let _ = PENDING.try_with(|p| {
            p.borrow_mut()
                .push((observer.clone(), event, peer.to_owned()))
        });
    }
}

/// Log the queued connection events. Called where no library lock is held: by the
/// transport between attempts and before sending, on the exchange's own thread.
pub(crate) fn flush() {
    let pending = PENDING
        .try_with(|p| std::mem::take(&mut *p.borrow_mut()))
        .unwrap_or_default();
    for (observer, event, peer) in pending {
        observer.log_connection(event, &peer);
    }
}
