//! The exchange under way on this thread, as the layers below ureq see it.
//!
//! ureq runs every transport method of a request on the thread that called it, so "the
//! request this socket is serving now" is exactly a thread-local, set for the length of
//! one call. Through it connection events reach the client's log sink *after* ureq has
//! released its pool lock: events are queued here and emitted at [`flush`] points, so
//! that the host's callback never runs while the library holds a lock. Cancelling is
//! [`super::cancel`]'s.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use super::observe::{ConnEvent, LogLevel, Observer};

thread_local! {
    /// Connection events waiting to be logged outside every lock.
    static PENDING: RefCell<Vec<(Arc<Observer>, ConnEvent, String)>> = const { RefCell::new(Vec::new()) };
    /// The request this thread is running, as log fields (`op=… call_uuid=…`); set
    /// only when its client logs.
    static LABEL: RefCell<String> = const { RefCell::new(String::new()) };
    /// HTTP attempts made by the request this thread is running.
    static ATTEMPTS: Cell<u32> = const { Cell::new(0) };
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
    if observer.hears(LogLevel::Debug) {
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
