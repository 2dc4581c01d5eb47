package plivo

// WithLogger: libplivo's log callback (plivo_options_set_log_callback) routed to a
// *slog.Logger. The callback's user_data is a cgo.Handle of the logger (never a Go
// pointer); it is deleted by Close after the C client and its queue are freed (their
// threads ended), so no line can arrive on a deleted handle.

/*
#include <stdint.h>
*/
import "C"

import (
	"context"
	"log/slog"
	"runtime/cgo"
)

// PlivoLogLevel values.
const (
	logError = 1
	logWarn  = 2
	logInfo  = 3
	logDebug = 4
)

// WithLogger sends the client's log lines to l: one INFO line per completed request
// (operation, ids, HTTP status, code name, attempts, elapsed time, api_id), a WARN
// line per retry, an ERROR line per failed request (after its INFO line), and DEBUG
// lines for connections opened, reused and discarded. Each record's message is
// libplivo's line as it is, in key=value style, e.g.
//
//	event=request op=stop_stream call_uuid=C stream_uuid=S status=204 code=PLIVO_OK attempts=1 elapsed_us=812 api_id=-
//
// No line ever holds the auth token. The most verbose level the library produces is
// the most verbose one l is Enabled for when the client is created (DEBUG, INFO, WARN
// or ERROR; none: nothing is installed). Records are logged on the thread doing the
// exchange, with context.Background(); l's handler must be safe for concurrent use
// (slog's are). nil (the default) keeps the library silent.
func WithLogger(l *slog.Logger) Option {
	return option("log_callback", func(cs *clientSetup) error {
		if level := libLogLevel(l); level != 0 {
			cs.setLogCallback(level, cgo.NewHandle(l))
		}
		return nil
	})
}

// libLogLevel is the most verbose PlivoLogLevel l is enabled for, or 0 (nil l, or
// enabled for none of them).
func libLogLevel(l *slog.Logger) int {
	if l == nil {
		return 0
	}
	ctx := context.Background()
	switch {
	case l.Enabled(ctx, slog.LevelDebug):
		return logDebug
	case l.Enabled(ctx, slog.LevelInfo):
		return logInfo
	case l.Enabled(ctx, slog.LevelWarn):
		return logWarn
	case l.Enabled(ctx, slog.LevelError):
		return logError
	}
	return 0
}

func slogLevel(level int) slog.Level {
	switch level {
	case logError:
		return slog.LevelError
	case logWarn:
		return slog.LevelWarn
	case logInfo:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

// gplivoLogLine is the PlivoLogCallback (through gplivo_log_tramp in cgo.go). It runs
// on a libplivo or Go thread; a panic must not unwind into C, so it is dropped.
//
//export gplivoLogLine
func gplivoLogLine(handle C.uintptr_t, level C.int, message *C.char) {
	defer func() { _ = recover() }()
	l, ok := cgo.Handle(uintptr(handle)).Value().(*slog.Logger)
	if !ok || l == nil {
		return
	}
	l.Log(context.Background(), slogLevel(int(level)), C.GoString(message))
}
