package plivo_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

// inParallel runs body(0), ..., body(n-1), each in its own goroutine, and returns the
// function that waits for them all.
func inParallel(n int, body func(i int)) (wait func()) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body(i)
		}(i)
	}
	return wg.Wait
}

// TestConcurrentSharedClient: 64 goroutines share one client and make hundreds of
// calls, mixing successes and different failures, without runtime.LockOSThread.
// libplivo's last error is per OS thread and goroutines migrate between threads, so
// this only passes if every call reads its own error state (the one-cgo-call shim).
func TestConcurrentSharedClient(t *testing.T) {
	const (
		goroutines = 64
		rounds     = 12 // calls per goroutine: 64 * 12 = 768 operations (and more stops)
	)
	var seeds []string
	for g := 0; g < goroutines; g++ {
		var streams []string
		for i := 0; i < rounds; i++ {
			streams = append(streams, fmt.Sprintf("S%d", i))
		}
		seeds = append(seeds, fmt.Sprintf("CONC%d:%s", g, strings.Join(streams, ",")))
	}
	srv := startServer(t, []string{"--workers", "4"}, seeds...)
	c := srv.client(t)

	var (
		mu      sync.Mutex
		apiIDs  = map[string]string{} // api_id -> the call that got it
		start   = make(chan struct{})
		deletes int
	)
	fail := func(format string, args ...interface{}) {
		t.Errorf(format, args...)
	}
	recordAPIID := func(pe *plivo.Error, what string) {
		if pe.APIID == "" {
			fail("%s: empty APIID", what)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if prev, dup := apiIDs[pe.APIID]; dup {
			fail("%s: APIID %s already seen for %s", what, pe.APIID, prev)
		}
		apiIDs[pe.APIID] = what
	}
	check := func(err error, what string, want error, code plivo.Code, status int, mention string) {
		if want == nil {
			if err != nil {
				fail("%s: unexpected error %v", what, err)
			}
			return
		}
		var pe *plivo.Error
		if !errors.As(err, &pe) {
			fail("%s: got %v, want %v", what, err, want)
			return
		}
		if !errors.Is(err, want) || pe.Code != code || pe.HTTPStatus != status {
			fail("%s: got code %v status %d (%v), want %v status %d", what, pe.Code, pe.HTTPStatus, err, code, status)
		}
		// The message names this call's own arguments, not another goroutine's.
		if !strings.Contains(pe.Message, mention) {
			fail("%s: message %q does not mention %q", what, pe.Message, mention)
		}
		if status != 0 {
			recordAPIID(pe, what)
		} else if pe.APIID != "" {
			fail("%s: APIID %q without a response", what, pe.APIID)
		}
	}

	wait := inParallel(goroutines, func(g int) {
		<-start
		call := fmt.Sprintf("CONC%d", g)
		n := 0
		for i := 0; i < rounds; i++ {
			stream := fmt.Sprintf("S%d", i)
			what := fmt.Sprintf("goroutine %d round %d", g, i)
			switch (g + i) % 5 {
			case 0: // success
				check(c.StopStream(call, stream), what, nil, 0, 0, "")
				n++
			case 1: // success, then already stopped
				check(c.StopStream(call, stream), what, nil, 0, 0, "")
				runtime.Gosched()
				check(c.StopStream(call, stream), what+" again", plivo.ErrNoActiveStream,
					plivo.CodeNoActiveStream, 400, "call_uuid="+call+", stream_uuid="+stream+")")
				n += 2
			case 2: // unknown call
				bad := fmt.Sprintf("NOCALL%dx%d", g, i)
				check(c.StopStream(bad, stream), what, plivo.ErrNotFound, plivo.CodeNotFound, 404,
					"call_uuid="+bad+",")
				n++
			case 3: // invalid id: nothing sent
				bad := fmt.Sprintf("bad.%d.%d", g, i)
				check(c.StopStream(bad, stream), what, plivo.ErrInvalidArgument,
					plivo.CodeInvalidArgument, 0, "call_uuid="+bad+",")
			case 4: // 403
				bad := fmt.Sprintf("fault-status403-g%di%d", g, i)
				check(c.StopStream(bad, stream), what, plivo.ErrAuthentication,
					plivo.CodeAuthentication, 403, "call_uuid="+bad+",")
				n++
			}
			runtime.Gosched()
		}
		mu.Lock()
		deletes += n
		mu.Unlock()
	})
	begin := time.Now()
	close(start)
	wait()
	t.Logf("%d goroutines, %d requests in %v", goroutines, deletes, time.Since(begin))

	if n := len(srv.requests(t)); n != deletes {
		t.Errorf("server logged %d requests, want %d", n, deletes)
	}
	// Every stream stopped by rounds 0 and 1 is stopped; the others are still active.
	for g := 0; g < goroutines; g++ {
		l, err := c.ListStreams(fmt.Sprintf("CONC%d", g))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range l.Objects {
			var i int
			if _, err := fmt.Sscanf(s.StreamID, "S%d", &i); err != nil {
				t.Fatalf("stream id %q", s.StreamID)
			}
			wantStopped := (g+i)%5 <= 1
			if (s.Status == "Stopped") != wantStopped {
				t.Errorf("CONC%d/%s: status %q, want stopped=%v", g, s.StreamID, s.Status, wantStopped)
			}
		}
	}
}

// TestCloseWhileInUse: Close waits for calls in flight and later calls fail cleanly
// (run with -race).
func TestCloseWhileInUse(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c, err := plivo.NewClient(testAuthID, testAuthToken, plivo.WithBaseURL(srv.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	wait := inParallel(16, func(g int) {
		for i := 0; i < 50; i++ {
			_, err := c.GetStream("CA1", "S1")
			if err == nil {
				continue
			}
			var pe *plivo.Error
			if errors.As(err, &pe) && pe.Code == plivo.CodeInvalidArgument && strings.Contains(pe.Message, "closed") {
				return // closed under us: fine
			}
			t.Errorf("goroutine %d: %v", g, err)
			return
		}
	})
	time.Sleep(20 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wait()
	_ = c.Close()
}
