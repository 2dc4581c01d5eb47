//! Completion queues: the blocking requests of [`Client`], run on worker threads of the
//! queue's own and handed back as owned [`Completion`]s on the host's thread, signalled
//! through one level-triggered descriptor (an eventfd, readable exactly while a
//! completion waits to be taken). Nothing here calls into the host: a worker runs the
//! request and stores the outcome; the host takes it when its loop says so.
//!
//! A queued request *is* the blocking request: a worker calls the same `Client` method,
//! with the request's cancel flag visible to the transport through
//! [`super::exchange`], so retries, deadlines and the error mapping are one code path.

use std::collections::VecDeque;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cancel::{self, CancelFlag};
use super::error::{Error, ErrorKind};
use super::exchange;
use super::stream::StreamParams;
use super::text::operation;
use super::{check_id, Client, Reply};

/// `max_in_flight` when 0 is given.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 64;
/// The largest `max_in_flight`.
pub const MAX_IN_FLIGHT: u32 = 1024;
/// A worker with nothing to do for this long ends, so an idle queue holds no thread
/// within 2 s of its last completion.
const IDLE_WORKER: Duration = Duration::from_millis(1_000);
/// How long dropping a queue waits for its workers to see their cancel and end. A
/// worker notices within one socket slice (50 ms); only a worker stuck in a host-name
/// lookup, which cannot be interrupted, is left to end on its own.
const FREE_WAIT: Duration = Duration::from_millis(150);

/// One request to queue, owning its arguments (a submit copies what it needs).
#[derive(Debug, Clone)]
pub enum Request {
    StopStream {
        call_uuid: String,
        stream_uuid: String,
    },
    StopAllStreams {
        call_uuid: String,
    },
    StartStream {
        call_uuid: String,
        service_url: String,
        params: StreamParams,
    },
    GetStream {
        call_uuid: String,
        stream_uuid: String,
    },
    ListStreams {
        call_uuid: String,
    },
}

impl Request {
    /// The checks the blocking call makes before sending anything.
    fn check(&self) -> Result<(), Error> {
        match self {
            Request::StopStream {
                call_uuid,
                stream_uuid,
            }
            | Request::GetStream {
                call_uuid,
                stream_uuid,
            } => {
                check_id("call_uuid", call_uuid)?;
                check_id("stream_uuid", stream_uuid)
            }
            Request::StopAllStreams { call_uuid } | Request::ListStreams { call_uuid } => {
                check_id("call_uuid", call_uuid)
            }
            Request::StartStream {
                call_uuid,
                service_url,
                params,
            } => super::stream::check_start(call_uuid, service_url, params),
        }
    }

    /// How the blocking call names itself in messages.
    fn operation(&self) -> String {
        match self {
            Request::StopStream {
                call_uuid,
                stream_uuid,
            } => operation("stop_stream", call_uuid, Some(stream_uuid)),
            Request::GetStream {
                call_uuid,
                stream_uuid,
            } => operation("get_stream", call_uuid, Some(stream_uuid)),
            Request::StopAllStreams { call_uuid } => operation("stop_all_streams", call_uuid, None),
            Request::ListStreams { call_uuid } => operation("list_streams", call_uuid, None),
            Request::StartStream { call_uuid, .. } => operation("start_stream", call_uuid, None),
        }
    }

    /// Run it as the blocking call would. The value is what a result carries as its
    /// body: the JSON of get and list, the new stream's id for start, nothing else.
    fn run(&self, client: &Client) -> Result<Reply<Option<String>>, Error> {
        let some = |r: Reply<String>| r.map(Some);
        match self {
            Request::StopStream {
                call_uuid,
                stream_uuid,
            } => client
                .stop_stream(call_uuid, stream_uuid)
                .map(|r| r.map(|_| None)),
            Request::StopAllStreams { call_uuid } => {
                client.stop_all_streams(call_uuid).map(|r| r.map(|_| None))
            }
            Request::StartStream {
                call_uuid,
                service_url,
                params,
            } => client
                .start_stream_id(call_uuid, service_url, params)
                .map(some),
            Request::GetStream {
                call_uuid,
                stream_uuid,
            } => client.get_stream_json(call_uuid, stream_uuid).map(some),
            Request::ListStreams { call_uuid } => client.list_streams_json(call_uuid).map(some),
        }
    }
}

/// The outcome of one queued request.
#[derive(Debug)]
pub struct Completion {
    /// The caller's tag, as given at submit.
    pub tag: u64,
    /// What the blocking call would have returned; [`ErrorKind::Cancelled`] after a
    /// cancel.
    pub result: Result<Reply<Option<String>>, Error>,
    /// HTTP attempts made (0 if none).
    pub attempts: u32,
    /// From submit to completion (to the cancel, for a cancelled request).
    pub elapsed: Duration,
}

/// Why a submit or cancel was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueError {
    /// The request's arguments are invalid, or there was nothing to cancel, or the
    /// queue belongs to another process.
    Invalid(Error),
    /// `max_in_flight` requests are pending.
    Busy(Error),
}

impl QueueError {
    pub fn error(&self) -> &Error {
        match self {
            QueueError::Invalid(e) | QueueError::Busy(e) => e,
        }
    }

    pub fn into_error(self) -> Error {
        match self {
            QueueError::Invalid(e) | QueueError::Busy(e) => e,
        }
    }
}

struct Job {
    tag: u64,
    request: Request,
    submitted: Instant,
    cancel: Arc<CancelFlag>,
}

struct Running {
    tag: u64,
    cancel: Arc<CancelFlag>,
    cancelled_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    /// Submitted, not yet started.
    waiting: VecDeque<Job>,
    /// Started, not yet completed; the key is the job's sequence number.
    running: Vec<(u64, Running)>,
    /// Completed, not yet taken (the descriptor is readable exactly while non-empty).
    done: VecDeque<Completion>,
    next_id: u64,
    workers: usize,
    idle_workers: usize,
    handles: Vec<JoinHandle<()>>,
    closing: bool,
}

impl State {
    /// Submitted and not yet taken.
    fn pending(&self) -> usize {
        self.waiting.len() + self.running.len() + self.done.len()
    }
}

struct Shared {
    client: Arc<Client>,
    max_in_flight: usize,
    state: Mutex<State>,
    /// Signalled when work arrives (idle workers) and when a completion is stored.
    changed: Condvar,
    ready: OwnedFd,
}

/// A completion queue bound to one client. Thread-safe: submits, cancels and takes may
/// come from several threads at once.
pub struct Queue {
    /// Dropped by hand: in a forked child it is the parent's and must not be touched.
    shared: ManuallyDrop<Arc<Shared>>,
    pid: u32,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A worker never panics while holding the lock (the request runs outside it), but
    // a poisoned lock must not turn every later call into a panic either.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl Queue {
    /// A queue running at most `max_in_flight` (1 to [`MAX_IN_FLIGHT`]; 0 means
    /// [`DEFAULT_MAX_IN_FLIGHT`]) requests of `client` at once.
    pub fn new(client: Arc<Client>, max_in_flight: u32) -> Result<Queue, Error> {
        let max = match max_in_flight {
            0 => DEFAULT_MAX_IN_FLIGHT,
            n if n <= MAX_IN_FLIGHT => n,
            n => {
                return Err(Error::invalid(format!(
                "max_in_flight {n} is out of range (0 for the default, else 1 to {MAX_IN_FLIGHT})"
            )))
            }
        };
        // SAFETY: plain system call; the descriptor is owned below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(Error::new(
                ErrorKind::Internal,
                format!(
                    "cannot create the queue's descriptor: {}",
                    std::io::Error::last_os_error()
                ),
            ));
        }
        Ok(Queue {
            shared: ManuallyDrop::new(Arc::new(Shared {
                client,
                max_in_flight: max as usize,
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
                // SAFETY: a new descriptor that nothing else owns.
                ready: unsafe { OwnedFd::from_raw_fd(fd) },
            })),
            pid: std::process::id(),
        })
    }

    /// In a forked child the queue is the parent's: refuse before touching its lock,
    /// which a parent thread may have held at the fork.
    fn ours(&self) -> bool {
        self.pid == std::process::id()
    }

    fn foreign() -> QueueError {
        QueueError::Invalid(Error::invalid(
            "this queue belongs to another process (it was created before fork()); create a new queue in this process",
        ))
    }

    /// The descriptor that is readable while a completion waits; None in a forked child.
    pub fn fd(&self) -> Option<RawFd> {
        self.ours().then(|| self.shared.ready.as_raw_fd())
    }

    /// Queue a request: checked at once as the blocking call would check it; then
    /// exactly one completion with `tag` will be delivered.
    pub fn submit(&self, request: Request, tag: u64) -> Result<(), QueueError> {
        if !self.ours() {
            return Err(Queue::foreign());
        }
        request
            .check()
            .map_err(|e| QueueError::Invalid(e.in_operation(&request.operation())))?;
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        if state.pending() >= shared.max_in_flight {
            return Err(QueueError::Busy(Error::new(
                ErrorKind::Busy,
                format!(
                    "the queue already holds its maximum of {} pending requests",
                    shared.max_in_flight
                ),
            )));
        }
        state.waiting.push_back(Job {
            tag,
            request,
            submitted: Instant::now(),
            cancel: Arc::default(),
        });
        if state.idle_workers == 0 && state.workers < shared.max_in_flight {
            state.handles.retain(|h| !h.is_finished());
            let worker = Arc::clone(shared);
            match std::thread::Builder::new()
                .name("plivo-queue".into())
                .spawn(move || work(&worker))
            {
                Ok(handle) => {
                    state.workers += 1;
                    state.handles.push(handle);
                }
                Err(e) if state.workers == 0 => {
                    state.waiting.pop_back();
                    return Err(QueueError::Busy(Error::new(
                        ErrorKind::Busy,
                        format!("cannot start a worker thread: {e}"),
                    )));
                }
                // Workers exist: one of them will take it.
                Err(_) => {}
            }
        } else {
            shared.changed.notify_one();
        }
        Ok(())
    }

    /// Cancel every request with `tag` whose exchange has not completed. Each gets a
    /// [`ErrorKind::Cancelled`] completion: at once when it had not started, within a
    /// socket slice when it had.
    pub fn cancel(&self, tag: u64) -> Result<(), QueueError> {
        if !self.ours() {
            return Err(Queue::foreign());
        }
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        let now = Instant::now();
        let mut found = false;
        let mut kept = VecDeque::with_capacity(state.waiting.len());
        for job in std::mem::take(&mut state.waiting) {
            if job.tag == tag {
                found = true;
                let elapsed = now.duration_since(job.submitted);
                shared.complete(&mut state, cancelled_completion(tag, 0, elapsed));
            } else {
                kept.push_back(job);
            }
        }
        state.waiting = kept;
        for (_, running) in state.running.iter_mut().filter(|(_, r)| r.tag == tag) {
            found = true;
            running.cancel.cancel();
            running.cancelled_at.get_or_insert(now);
        }
        if found {
            Ok(())
        } else {
            Err(QueueError::Invalid(Error::invalid(format!(
                "no request with tag {tag} is waiting or under way"
            ))))
        }
    }

    /// Take a completion if one is ready; never blocks.
    pub fn next(&self) -> Option<Completion> {
        if !self.ours() {
            return None;
        }
        let mut state = lock(&self.shared.state);
        self.shared.take(&mut state)
    }

    /// Take a completion, waiting up to `timeout` for one; None at once when nothing
    /// is pending.
    pub fn wait(&self, timeout: Duration) -> Option<Completion> {
        if !self.ours() {
            return None;
        }
        let until = Instant::now() + timeout;
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        loop {
            if let Some(done) = shared.take(&mut state) {
                return Some(done);
            }
            if state.pending() == 0 {
                return None;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Submitted and not yet taken (0 in a forked child).
    pub fn pending(&self) -> u32 {
        if !self.ours() {
            return 0;
        }
        lock(&self.shared.state).pending() as u32
    }

    /// Worker threads alive now.
    pub fn threads(&self) -> usize {
        if !self.ours() {
            return 0;
        }
        lock(&self.shared.state).workers
    }
}

impl Shared {
    /// Store a completion; the descriptor becomes readable with the first one.
    fn complete(&self, state: &mut State, completion: Completion) {
        if state.done.is_empty() {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid u64 to our eventfd. It cannot
            // overflow: the counter is 0 or 1.
            unsafe { libc::write(self.ready.as_raw_fd(), (&one as *const u64).cast(), 8) };
        }
        state.done.push_back(completion);
        self.changed.notify_all();
    }

    /// Take the oldest completion; the descriptor stops being readable with the last.
    fn take(&self, state: &mut State) -> Option<Completion> {
        let done = state.done.pop_front()?;
        if state.done.is_empty() {
            let mut count: u64 = 0;
            // SAFETY: reads 8 bytes into a valid u64 from our non-blocking eventfd,
            // which resets its counter to 0.
            unsafe { libc::read(self.ready.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
        }
        Some(done)
    }
}

fn cancelled_completion(tag: u64, attempts: u32, elapsed: Duration) -> Completion {
    let error = Error::new(ErrorKind::Cancelled, "request cancelled");
    Completion {
        tag,
        result: Err(if attempts > 1 {
            error.after_attempts(attempts)
        } else {
            error
        }),
        attempts,
        elapsed,
    }
}

/// A worker: take jobs until none comes for [`IDLE_WORKER`] or the queue closes.
fn work(shared: &Shared) {
    let mut state = lock(&shared.state);
    let mut idle_since: Option<Instant> = None;
    loop {
        if state.closing {
            break;
        }
        let Some(job) = state.waiting.pop_front() else {
            // Idle: wait for work, but for no longer than IDLE_WORKER in all (other
            // notifications — completions, other workers ending — do not restart it).
            let idle_until = *idle_since.get_or_insert_with(Instant::now) + IDLE_WORKER;
            let left = idle_until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state.idle_workers += 1;
            state = shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            state.idle_workers -= 1;
            continue;
        };
        idle_since = None;
        let id = state.next_id;
        state.next_id += 1;
        state.running.push((
            id,
            Running {
                tag: job.tag,
                cancel: job.cancel.clone(),
                cancelled_at: None,
            },
        ));
        drop(state);

        let result = cancel::run(Some(&job.cancel), || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job.request.run(&shared.client)
            }))
            .unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::Internal,
                    "internal error in libplivo (a caught panic); please report it",
                ))
            })
        });
        let attempts = exchange::attempts();

        state = lock(&shared.state);
        let position = state.running.iter().position(|(i, _)| *i == id);
        let running = position.map(|p| state.running.swap_remove(p).1);
        if state.closing {
            break;
        }
        let completion = match running.and_then(|r| r.cancelled_at) {
            Some(at) => cancelled_completion(job.tag, attempts, at.duration_since(job.submitted)),
            None => Completion {
                tag: job.tag,
                result,
                attempts,
                elapsed: job.submitted.elapsed(),
            },
        };
        shared.complete(&mut state, completion);
    }
    state.workers -= 1;
    shared.changed.notify_all();
}

impl Drop for Queue {
    fn drop(&mut self) {
        if !self.ours() {
            // A forked child's copy: the parent's workers, requests and descriptor are
            // not ours to touch (nor its lock, which may be held by a thread that does
            // not exist here). Leave the memory; close only our copy of the descriptor.
            // SAFETY: our inherited copy of the eventfd, closed once; the `OwnedFd`
            // holding it is never dropped in this process (`shared` is not dropped).
            unsafe { libc::close(self.shared.ready.as_raw_fd()) };
            return;
        }
        let shared: &Shared = &self.shared;
        let mut state = lock(&shared.state);
        state.closing = true;
        state.waiting.clear();
        state.done.clear();
        for (_, running) in &state.running {
            running.cancel.abandon();
        }
        shared.changed.notify_all();
        let until = Instant::now() + FREE_WAIT;
        while state.workers > 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let finished = state.workers == 0;
        let handles = std::mem::take(&mut state.handles);
        drop(state);
        if finished {
            for handle in handles {
                let _ = handle.join();
            }
        }
        // SAFETY: dropped once, here; `self` is not used after.
        unsafe { ManuallyDrop::drop(&mut self.shared) };
    }
}
