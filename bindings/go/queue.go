package plivo

// The *Context methods: every client has one libplivo completion queue (PlivoQueue),
// created on the first *Context call. A call takes a slot of a buffered-channel
// semaphore of max_in_flight slots (so the queue never answers PLIVO_ERR_BUSY), registers a
// channel under a unique tag, submits, and then waits on Go channels only: no OS
// thread per waiting call. One dispatcher goroutine per client, running only while
// requests are pending, polls the queue's descriptor (poll(2) with a short timeout,
// in a cgo shim), takes the ready results and hands each to its caller's channel,
// releasing its slot.
//
// Close: the queue is detached under the client's write lock (no submit or cancel can
// reach it afterwards), the dispatcher is told to stop and waited for, and only then
// is the queue freed (plivo_queue_free cancels what is still pending; its callers get
// ErrCancelled). No reader touches a freed queue.

import (
	"context"
	"runtime/cgo"
	"sync"
	"sync/atomic"
)

const (
	defaultMaxInFlight = 64
	maxMaxInFlight     = 1024
	pollTimeoutMS      = 20 // the dispatcher's poll slice: Close waits at most this
)

type opKind int

const (
	opStop opKind = iota
	opStopAll
	opStart
	opGet
	opList
)

func (op opKind) String() string {
	switch op {
	case opStop:
		return "stop_stream"
	case opStopAll:
		return "stop_all_streams"
	case opStart:
		return "start_stream"
	case opGet:
		return "get_stream"
	case opList:
		return "list_streams"
	}
	return "unknown"
}

// WithMaxInFlight bounds the requests of the *Context methods running at once on this
// client's completion queue: 1–1024, default 64. A call beyond the bound waits for a
// free slot (or for its context); it never fails with ErrBusy. The blocking methods
// are not affected.
func WithMaxInFlight(n int) Option {
	return option("max_in_flight", func(cs *clientSetup) error {
		if n < 1 || n > maxMaxInFlight {
			return &Error{Code: CodeInvalidArgument, Message: "max_in_flight must be 1-1024"}
		}
		cs.maxInFlight = n
		return nil
	})
}

// clientExt is the Client's state for this file and log.go.
type clientExt struct {
	maxInFlight int
	logHandle   cgo.Handle
	qmu         sync.Mutex // guards q's lazy creation (under the client's read lock)
	q           *asyncQueue
}

// detachedExt is what Close takes out of the client (under its write lock).
type detachedExt struct {
	q         *asyncQueue
	logHandle cgo.Handle
}

func (e *clientExt) detach() detachedExt {
	e.qmu.Lock()
	d := detachedExt{q: e.q, logHandle: e.logHandle}
	e.q, e.logHandle = nil, 0
	e.qmu.Unlock()
	return d
}

func (d detachedExt) closeQueue() {
	if d.q != nil {
		d.q.shutdown()
	}
}

func (d detachedExt) release() {
	if d.logHandle != 0 {
		d.logHandle.Delete()
	}
}

// asyncQueue is a PlivoQueue with its dispatcher. It does not reference the Client,
// so an unreachable client is still finalized.
type asyncQueue struct {
	p   *cQueue
	fd  int
	sem chan struct{} // one token per request submitted and not yet taken

	tags atomic.Uint64

	mu      sync.Mutex
	waiters map[uint64]chan qResult
	running bool           // a dispatcher goroutine is running
	closed  bool           // shutdown has begun: no new waiter, no new dispatcher
	wg      sync.WaitGroup // the dispatcher
	done    chan struct{}  // closed by shutdown
}

func newAsyncQueue(p *cClient, maxInFlight int) (*asyncQueue, error) {
	qp, fd, err := queueNew(p, maxInFlight)
	if err != nil {
		return nil, err
	}
	return &asyncQueue{
		p:       qp,
		fd:      fd,
		sem:     make(chan struct{}, maxInFlight),
		waiters: make(map[uint64]chan qResult),
		done:    make(chan struct{}),
	}, nil
}

// register adds a waiter for tag and makes sure a dispatcher runs.
func (q *asyncQueue) register(tag uint64, ch chan qResult) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.waiters[tag] = ch
	if !q.running {
		q.running = true
		q.wg.Add(1)
		go q.dispatch()
	}
	return true
}

func (q *asyncQueue) unregister(tag uint64) {
	q.mu.Lock()
	delete(q.waiters, tag)
	q.mu.Unlock()
}

// dispatch takes results while requests are pending, then ends.
func (q *asyncQueue) dispatch() {
	defer q.wg.Done()
	var batch []qResult
	for {
		q.mu.Lock()
		if q.closed || len(q.waiters) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		batch = queueTake(q.p, q.fd, pollTimeoutMS, batch[:0])
		for _, r := range batch {
			q.mu.Lock()
			ch, ok := q.waiters[r.tag]
			delete(q.waiters, r.tag)
			q.mu.Unlock()
			if ok {
				ch <- r // buffered (1): never blocks
			}
			<-q.sem // the result is taken: its slot is free
		}
	}
}

// shutdown stops the dispatcher, waits for it, then frees the queue. Callers still
// waiting see q.done.
func (q *asyncQueue) shutdown() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	close(q.done)
	q.mu.Unlock()
	q.wg.Wait()    // no reader is left inside the queue
	queueFree(q.p) // cancels what is pending: those requests get no result
	q.p = nil
}

func errClosed() error { return &Error{Code: CodeInvalidArgument, Message: "client is closed"} }

func errClosedInFlight(op opKind) error {
	return &Error{Code: CodeCancelled, Message: op.String() + ": client closed with the request in flight"}
}

// ctxError is the error of a call whose context ended: code PLIVO_ERR_CANCELLED,
// unwrapping to ctx.Err().
func ctxError(op opKind, cause error) error {
	return &Error{Code: CodeCancelled, Message: op.String() + " cancelled: " + cause.Error(), cause: cause}
}

// queue returns the client's completion queue, creating it on first use.
func (c *Client) queue() (*asyncQueue, error) {
	if c == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "nil client"}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.p == nil {
		return nil, errClosed()
	}
	c.ext.qmu.Lock()
	defer c.ext.qmu.Unlock()
	if c.ext.q == nil {
		q, err := newAsyncQueue(c.p, c.ext.maxInFlight)
		if err != nil {
			return nil, err
		}
		c.ext.q = q
	}
	return c.ext.q, nil
}

// attached runs f with the client's read lock held if q is still its queue (not
// closed); it reports whether f ran.
func (c *Client) attached(q *asyncQueue, f func()) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.ext.qmu.Lock()
	ok := c.p != nil && c.ext.q == q
	c.ext.qmu.Unlock()
	if ok {
		f()
	}
	return ok
}

// do runs one operation through the queue and waits for its result or for ctx.
func (c *Client) do(ctx context.Context, op opKind, a1, a2 string, sp *StreamParams) (qResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return qResult{}, ctxError(op, err)
	}
	q, err := c.queue()
	if err != nil {
		return qResult{}, err
	}
	select { // a slot: at most max_in_flight submitted and not taken
	case q.sem <- struct{}{}:
	case <-ctx.Done():
		return qResult{}, ctxError(op, ctx.Err())
	case <-q.done:
		return qResult{}, errClosed()
	}
	tag := q.tags.Add(1)
	ch := make(chan qResult, 1)
	if !q.register(tag, ch) {
		<-q.sem
		return qResult{}, errClosed()
	}
	var serr error
	if !c.attached(q, func() { serr = queueSubmit(q.p, op, tag, a1, a2, sp) }) {
		serr = errClosed()
	}
	if serr != nil { // nothing was queued
		q.unregister(tag)
		<-q.sem
		return qResult{}, serr
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		cancelled := false
		c.attached(q, func() { cancelled = queueCancel(q.p, tag) })
		if cancelled {
			// Its PLIVO_ERR_CANCELLED result comes within 100 ms; the dispatcher
			// takes it and frees the slot.
			return qResult{}, ctxError(op, ctx.Err())
		}
		// Already completed (its result is on the way), or the client was closed.
		select {
		case r := <-ch:
			return r, nil
		case <-q.done:
			return qResult{}, errClosedInFlight(op)
		}
	case <-q.done:
		select {
		case r := <-ch:
			return r, nil
		default:
			return qResult{}, errClosedInFlight(op)
		}
	}
}

// err converts a result's outcome.
func (r *qResult) err() error {
	if r.code == CodeOK {
		return nil
	}
	return &Error{Code: r.code, HTTPStatus: r.httpStatus, APIID: r.apiID, Message: r.message}
}

// StopStreamContext is StopStream through the client's completion queue: it waits
// for the result on a channel (no OS thread held), and when ctx ends first it cancels
// the request (abandoning an exchange under way) and returns an *Error with
// CodeCancelled that also unwraps to ctx.Err(): errors.Is(err, ErrCancelled) and
// errors.Is(err, context.Canceled) (or context.DeadlineExceeded) both hold. A request
// cancelled while under way may or may not have reached the server. Beyond
// WithMaxInFlight calls at once, a call waits for a free slot (or for ctx). Same
// arguments, results and errors as StopStream otherwise; the client's own timeout
// still applies.
func (c *Client) StopStreamContext(ctx context.Context, callUUID, streamUUID string) error {
	r, err := c.do(ctx, opStop, callUUID, streamUUID, nil)
	if err != nil {
		return err
	}
	return r.err()
}

// StopAllStreamsContext is StopAllStreams with a context, as StopStreamContext.
func (c *Client) StopAllStreamsContext(ctx context.Context, callUUID string) error {
	r, err := c.do(ctx, opStopAll, callUUID, "", nil)
	if err != nil {
		return err
	}
	return r.err()
}

// StartStreamContext is StartStream with a context, as StopStreamContext. A start
// cancelled while under way may have started the stream.
func (c *Client) StartStreamContext(ctx context.Context, callUUID, serviceURL string, p *StreamParams) (string, error) {
	r, err := c.do(ctx, opStart, callUUID, serviceURL, p)
	if err != nil {
		return "", err
	}
	if err := r.err(); err != nil {
		return "", err
	}
	return r.body, nil
}

// GetStreamContext is GetStream with a context, as StopStreamContext.
func (c *Client) GetStreamContext(ctx context.Context, callUUID, streamUUID string) (*Stream, error) {
	r, err := c.do(ctx, opGet, callUUID, streamUUID, nil)
	if err != nil {
		return nil, err
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return parseStream([]byte(r.body), r.httpStatus)
}

// ListStreamsContext is ListStreams with a context, as StopStreamContext.
func (c *Client) ListStreamsContext(ctx context.Context, callUUID string) (*StreamList, error) {
	r, err := c.do(ctx, opList, callUUID, "", nil)
	if err != nil {
		return nil, err
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return parseStreamList([]byte(r.body), r.httpStatus)
}
