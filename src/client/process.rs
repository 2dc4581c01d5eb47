//! One connection pool per process, so that a client made before `fork()` works in the
//! child without ever touching a connection the parent opened.
//!
//! Forking SIP servers build their modules' state (a client among it) and then fork
//! their workers. A forked child inherits the parent's pooled sockets: were it to send
//! on one, parent and child would read each other's answers. So the client keeps its
//! pool (the ureq agent, its resolver cache and its locks) in a [`PerProcess`] slot
//! stamped with the pid that made it. Every call compares the stamp with `getpid()`
//! *before any lock is taken*: in a child the stamp differs, and the child builds a pool
//! of its own. The inherited pool is never used, locked or dropped there — another
//! thread of the parent may have held its lock at the moment of the fork, and dropping
//! it could send a TLS close_notify on the parent's sessions. Its sockets are closed
//! (`close(2)` only, no `shutdown(2)`: the parent's connections stay intact), and its
//! memory is left as it is.
//!
//! Why a pid check rather than `pthread_atfork`: the check needs no handler registered
//! from a library that may be `dlclose`d, no lock held across `fork()`, and costs one
//! `getpid` per call (a fraction of a microsecond against the ~10 µs of a loopback
//! exchange).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};
use std::sync::Arc;

/// The descriptors of the sockets one pool has open, for a forked child to close.
/// Lock-free (a child must never wait on a lock a vanished thread held); a pool with
/// more open sockets than slots leaves the excess unrecorded, and a child then merely
/// keeps those inherited descriptors open.
#[derive(Debug)]
pub(crate) struct OpenSockets {
    slots: Box<[AtomicI32]>,
}

const EMPTY: RawFd = -1;

impl OpenSockets {
    pub(crate) fn new(capacity: usize) -> OpenSockets {
        OpenSockets {
            slots: (0..capacity).map(|_| AtomicI32::new(EMPTY)).collect(),
        }
    }

    pub(crate) fn add(&self, fd: RawFd) {
        self.replace_first(EMPTY, fd);
    }

    pub(crate) fn remove(&self, fd: RawFd) {
        self.replace_first(fd, EMPTY);
    }

    /// Set the first slot holding `from` to `to`; none when no slot holds it (a full
    /// set when adding, an unrecorded socket when removing).
    fn replace_first(&self, from: RawFd, to: RawFd) {
        for slot in self.slots.iter() {
            if slot
                .compare_exchange(from, to, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// In a forked child: close every recorded descriptor, once; how many were closed.
    fn close_inherited(&self) -> usize {
        let mut closed = 0;
        for slot in self.slots.iter() {
            let fd = slot.swap(EMPTY, Ordering::AcqRel);
            if fd != EMPTY {
                closed += 1;
                // SAFETY: the descriptor was open in the parent when it forked, so it
                // is open here; nothing in this process uses or closes it again (the
                // objects that own it belong to the abandoned pool, never dropped).
                unsafe { libc::close(fd) };
            }
        }
        closed
    }
}

struct Stamped<T> {
    pid: u32,
    value: T,
    sockets: Arc<OpenSockets>,
    /// The pool this one replaced in a forked child: never used or freed here, but
    /// kept reachable, so that leak checkers (valgrind, LSan) in a child see memory
    /// kept on purpose rather than lost.
    #[allow(dead_code)] // held only to stay reachable
    inherited: *mut Stamped<T>,
}

/// A value (the connection pool) made anew in each process that uses it.
pub(crate) struct PerProcess<T> {
    current: AtomicPtr<Stamped<T>>,
    make: Box<dyn Fn(Arc<OpenSockets>) -> T + Send + Sync>,
    capacity: usize,
}

impl<T> PerProcess<T> {
    /// `make` builds the value for the calling process, recording its sockets in the
    /// set it is given (of `capacity` slots).
    pub(crate) fn new(
        capacity: usize,
        make: impl Fn(Arc<OpenSockets>) -> T + Send + Sync + 'static,
    ) -> PerProcess<T> {
        PerProcess {
            current: AtomicPtr::new(std::ptr::null_mut()),
            make: Box::new(make),
            capacity,
        }
    }

    /// This process's value, made on first use here. When that first use is in a
    /// forked child, the inherited sockets are closed and `on_fork` hears how many.
    pub(crate) fn get(&self, on_fork: impl FnOnce(usize)) -> &T {
        let pid = std::process::id();
        let seen = self.current.load(Ordering::Acquire);
        // SAFETY: a published pointer stays valid as long as `self`: it is freed only
        // by `drop` (exclusive access) and never replaced in the process that made it.
        if let Some(stamped) = unsafe { seen.as_ref() } {
            if stamped.pid == pid {
                return &stamped.value;
            }
        }
        let sockets = Arc::new(OpenSockets::new(self.capacity));
        let mine = Box::into_raw(Box::new(Stamped {
            pid,
            value: (self.make)(sockets.clone()),
            sockets,
            inherited: seen,
        }));
        match self
            .current
            .compare_exchange(seen, mine, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                // SAFETY: as above; `seen` was published, and is another process's.
                if let Some(inherited) = unsafe { seen.as_ref() } {
                    on_fork(inherited.sockets.close_inherited());
                }
                // SAFETY: just published, valid as long as `self`.
                unsafe { &(*mine).value }
            }
            Err(winner) => {
                // Another thread of this process made one first: use it.
                // SAFETY: `mine` was never published.
                drop(unsafe { Box::from_raw(mine) });
                // SAFETY: published by the winner, valid as long as `self`.
                unsafe { &(*winner).value }
            }
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let current = *self.current.get_mut();
        if current.is_null() {
            return;
        }
        // SAFETY: exclusive access; the pointer came from `Box::into_raw`.
        let stamped = unsafe { &*current };
        if stamped.pid == std::process::id() {
            // SAFETY: as above; ours to free.
            drop(unsafe { Box::from_raw(current) });
        } else {
            // Made by the parent: close our copies of its sockets, leave the rest.
            let _ = stamped.sockets.close_inherited();
        }
    }
}

// SAFETY: the slot hands out `&T` to any thread; `T` must be shareable.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
// SAFETY: the owned value moves with the slot.
unsafe impl<T: Send + Sync> Send for PerProcess<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_sockets_come_and_go() {
        let set = OpenSockets::new(2);
        set.add(7);
        set.add(8);
        set.add(9); // over capacity: not recorded
        set.remove(7);
        set.add(10);
        let held: Vec<RawFd> = set
            .slots
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .collect();
        assert_eq!(held, vec![10, 8]);
    }

    #[test]
    fn one_value_per_process() {
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = made.clone();
        let slot = PerProcess::new(4, move |_| counter.fetch_add(1, Ordering::SeqCst));
        assert_eq!(*slot.get(|_| panic!("no fork")), 0);
        assert_eq!(*slot.get(|_| panic!("no fork")), 0);
        assert_eq!(made.load(Ordering::SeqCst), 1);
    }
}
