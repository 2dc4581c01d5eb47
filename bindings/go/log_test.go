package plivo_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

type record struct {
	level slog.Level
	msg   string
}

// recHandler is a slog.Handler that keeps every record at or above its level.
type recHandler struct {
	level   slog.Level
	mu      sync.Mutex
	recs    []record
	refused int // Enabled calls answered false: lines the library should not have sent
}

func (h *recHandler) Enabled(_ context.Context, l slog.Level) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l < h.level {
		h.refused++
		return false
	}
	return true
}

func (h *recHandler) refusedCalls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.refused
	h.refused = 0
	return n
}
func (h *recHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, record{r.Level, r.Message})
	h.mu.Unlock()
	return nil
}
func (h *recHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recHandler) WithGroup(string) slog.Handler      { return h }

// take returns the records so far and forgets them.
func (h *recHandler) take() []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.recs
	h.recs = nil
	return r
}

func count(recs []record, level slog.Level, substr string) int {
	n := 0
	for _, r := range recs {
		if r.level == level && strings.Contains(r.msg, substr) {
			n++
		}
	}
	return n
}

// noSecret fails when a line holds the token, its base64 form or an Authorization value.
func noSecret(t *testing.T, recs []record) {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte(testAuthID + ":" + testAuthToken))
	for _, r := range recs {
		for _, bad := range []string{testAuthToken, b64, "Basic ", "uthorization"} {
			if strings.Contains(r.msg, bad) {
				t.Errorf("log line holds a secret (%q): %s", bad, r.msg)
			}
		}
	}
}

func dump(recs []record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "  %s %s\n", r.level, r.msg)
	}
	return b.String()
}

// TestLoggerLinesAndStats: exact lines per scenario at INFO (blocking and queued
// requests), and stats adding up over the same sequence.
func TestLoggerLinesAndStats(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1,S2")
	h := &recHandler{level: slog.LevelInfo}
	c := srv.client(t, plivo.WithLogger(slog.New(h)))

	// A success: one INFO line, nothing else.
	if err := c.StopStream("CA1", "S1"); err != nil {
		t.Fatal(err)
	}
	recs := h.take()
	if len(recs) != 1 || count(recs, slog.LevelInfo, "event=request op=stop_stream call_uuid=CA1 stream_uuid=S1 status=204 code=PLIVO_OK attempts=1") != 1 {
		t.Fatalf("success logged:\n%s", dump(recs))
	}
	// A failure: INFO then ERROR.
	_ = c.StopStream("CA1", "S1")
	recs = h.take()
	if len(recs) != 2 || recs[0].level != slog.LevelInfo || recs[1].level != slog.LevelError ||
		!strings.Contains(recs[0].msg, "code=PLIVO_ERR_NO_ACTIVE_STREAM") ||
		!strings.Contains(recs[1].msg, "event=request_failed op=stop_stream") {
		t.Fatalf("failure logged:\n%s", dump(recs))
	}
	// A retry (503 once): WARN, then the INFO of the success.
	if err := c.StopStream("fault-503once-a", "S1"); err != nil {
		t.Fatal(err)
	}
	recs = h.take()
	if len(recs) != 2 || count(recs, slog.LevelWarn, "event=retry op=stop_stream call_uuid=fault-503once-a") != 1 ||
		count(recs, slog.LevelInfo, "attempts=2") != 1 || recs[0].level != slog.LevelWarn {
		t.Fatalf("retry logged:\n%s", dump(recs))
	}
	// The same through the queue (lines come from a queue worker thread).
	if err := c.StopStreamContext(context.Background(), "fault-503once-b", "S1"); err != nil {
		t.Fatal(err)
	}
	if err := c.StopStreamContext(context.Background(), "CA1", "S1"); err == nil {
		t.Fatal("second stop of S1 succeeded")
	}
	recs = h.take()
	if len(recs) != 4 || count(recs, slog.LevelWarn, "event=retry") != 1 || count(recs, slog.LevelInfo, "event=request ") != 2 ||
		count(recs, slog.LevelError, "event=request_failed") != 1 {
		t.Fatalf("queued requests logged:\n%s", dump(recs))
	}
	// Refused before sending: nothing logged, nothing counted.
	_ = c.StopStream("CA1", "bad id")
	_ = c.StopStreamContext(context.Background(), "CA1", "bad id")
	if recs = h.take(); len(recs) != 0 {
		t.Fatalf("refused calls logged:\n%s", dump(recs))
	}

	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	// 5 requests: ok, no-active, 503+ok, 503+ok (queued), no-active (queued).
	if st.Requests != 5 || st.Attempts != 7 || st.Retries != 2 || st.InFlight != 0 {
		t.Errorf("stats: %+v", st)
	}
	if len(st.Outcomes) != 2 || st.Outcomes["PLIVO_OK"] != 3 || st.Outcomes["PLIVO_ERR_NO_ACTIVE_STREAM"] != 2 {
		t.Errorf("outcomes: %v", st.Outcomes)
	}
	if st.Connections.Opened+st.Connections.Reused != st.Attempts || st.Connections.Opened == 0 {
		t.Errorf("connections: %+v (attempts %d)", st.Connections, st.Attempts)
	}
	if st.LatencyUS.Max == 0 || st.LatencyUS.P50 > st.LatencyUS.P90 || st.LatencyUS.P90 > st.LatencyUS.P99 ||
		st.LatencyUS.P99 > st.LatencyUS.Max {
		t.Errorf("latency: %+v", st.LatencyUS)
	}
}

// TestLoggerDebugFaultsNoSecret: at DEBUG, connection lines appear (opened, reused,
// discarded) and no line in any fault mode holds the token.
func TestLoggerDebugFaultsNoSecret(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1,S2,S3")
	h := &recHandler{level: slog.LevelDebug}
	c := srv.client(t, plivo.WithLogger(slog.New(h)), plivo.WithTimeout(2*time.Second))
	for _, s := range []string{"S1", "S2"} {
		if err := c.StopStream("CA1", s); err != nil {
			t.Fatal(err)
		}
	}
	modes := []string{"500once", "502once", "503once", "429once", "503always", "status418", "nonjson",
		"noapiid", "badjson200", "reset", "closeheaders", "closebody", "badstatus", "garbage",
		"shortbody", "badchunk", "204body", "redirect"}
	for i, m := range modes {
		call := fmt.Sprintf("fault-%s-%d", m, i)
		_ = c.StopStream(call, "S1")
		_, _ = c.GetStream(call, "S1")
		_, _ = c.GetStreamContext(context.Background(), call, "S2")
	}
	recs := h.take()
	noSecret(t, recs)
	if count(recs, slog.LevelDebug, "opened") == 0 || count(recs, slog.LevelDebug, "reused") == 0 ||
		count(recs, slog.LevelDebug, "discarded") == 0 {
		t.Errorf("DEBUG connection lines missing:\n%s", dump(recs))
	}
	if n := count(recs, slog.LevelInfo, "event=request "); n != 2+3*len(modes) {
		t.Errorf("%d INFO lines, want %d", n, 2+3*len(modes))
	}
	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Retries != st.Attempts-st.Requests || st.Connections.Opened+st.Connections.Reused != st.Attempts {
		t.Errorf("stats do not add up: %+v", st)
	}
	if n := count(recs, slog.LevelWarn, "event=retry"); uint64(n) != st.Retries {
		t.Errorf("%d WARN lines, %d retries", n, st.Retries)
	}
}

// TestLoggerLevels: the library's level follows the logger's Enabled levels; a logger
// enabled for nothing gets nothing; nil is silent.
func TestLoggerLevels(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1,S2,S3,S4")
	for _, tc := range []struct {
		level      slog.Level
		stream     string
		want, lost []slog.Level
	}{
		{slog.LevelWarn, "S1", []slog.Level{slog.LevelWarn, slog.LevelError}, []slog.Level{slog.LevelInfo, slog.LevelDebug}},
		{slog.LevelError, "S2", []slog.Level{slog.LevelError}, []slog.Level{slog.LevelWarn, slog.LevelInfo, slog.LevelDebug}},
		{slog.Level(100), "S3", nil, []slog.Level{slog.LevelError, slog.LevelWarn, slog.LevelInfo, slog.LevelDebug}},
	} {
		h := &recHandler{level: tc.level}
		c := srv.client(t, plivo.WithLogger(slog.New(h)))
		h.refusedCalls()                                  // NewClient's probes
		_ = c.StopStream("fault-503once-"+tc.stream, "X") // WARN + INFO
		_ = c.StopStream("CA1", "NOPE")                   // INFO + ERROR
		recs := h.take()
		if n := h.refusedCalls(); n != 0 {
			t.Errorf("logger at %v: the library sent %d lines below the logger's level", tc.level, n)
		}
		for _, l := range tc.want {
			if count(recs, l, "") != 1 {
				t.Errorf("logger at %v: want one %v line:\n%s", tc.level, l, dump(recs))
			}
		}
		if len(recs) != len(tc.want) {
			t.Errorf("logger at %v: %d lines, want %d:\n%s", tc.level, len(recs), len(tc.want), dump(recs))
		}
	}
	c := srv.client(t, plivo.WithLogger(nil))
	if err := c.StopStream("CA1", "S4"); err != nil {
		t.Fatal(err)
	}
}

// TestStatsEightGoroutines: counters add up exactly over concurrent calls.
func TestStatsEightGoroutines(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c := srv.client(t)
	inParallel(8, func(g int) {
		for i := 0; i < 25; i++ {
			if g%2 == 0 {
				_, _ = c.GetStream("CA1", "S1")
			} else {
				_, _ = c.GetStreamContext(context.Background(), "CA1", "NOPE")
			}
		}
	})()
	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests != 200 || st.Attempts != 200 || st.Retries != 0 || st.InFlight != 0 ||
		st.Outcomes["PLIVO_OK"] != 100 || st.Outcomes["PLIVO_ERR_NOT_FOUND"] != 100 ||
		st.Connections.Opened+st.Connections.Reused != 200 {
		t.Errorf("stats: %+v", st)
	}
}
