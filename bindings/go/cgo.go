package plivo

// This file makes every call into C (client.go only names the option setters). Every
// operation is exactly one cgo call into a shim below that calls the plivo_*
// function(s) AND copies the thread's last-error state (code, message, HTTP status,
// api_id) into a gplivo_result in the same call: libplivo's last error is per OS
// thread, and a goroutine may move to another OS thread between two cgo calls, so
// reading it in a second cgo call could read another goroutine's error.
//
// Memory: message and api_id are malloc'd copies (freed by gplivo_result_release);
// out is the library-owned char* of a char** out-parameter (freed there with
// plivo_string_free). Go strings are passed as C.CString copies freed by Go.

/*
#cgo pkg-config: plivo

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plivo.h"

typedef struct {
	int code;          // PlivoCode of the operation
	int http_status;   // plivo_last_http_status() after it (0: no response)
	char *message;     // malloc'd copy of plivo_last_error(), or NULL
	char *api_id;      // malloc'd copy of plivo_last_api_id(), or NULL
	char *out;         // char** out-parameter, owned: plivo_string_free
} gplivo_result;

// One plivo_options_set_* call for gplivo_client_new (cgo.go's stringOption and its
// kin): the setter of its argument's type, or set_log, and the argument.
typedef PlivoCode (*gplivo_set_string)(PlivoOptions *, const char *);
typedef PlivoCode (*gplivo_set_uint32)(PlivoOptions *, uint32_t);
typedef PlivoCode (*gplivo_set_bool)(PlivoOptions *, bool);
typedef struct {
	gplivo_set_string set_string;  const char *string_arg;
	gplivo_set_uint32 set_uint32;  uint32_t uint32_arg;
	gplivo_set_bool set_bool;      int bool_arg;
	int set_log;                   int log_level;   // log.go: WithLogger
	uintptr_t log_handle;          // a cgo.Handle, the callback's user_data
} gplivo_option;

// The log callback: gplivoLogLine is exported by log.go (user_data is a cgo.Handle).
extern void gplivoLogLine(uintptr_t handle, int level, char *message);
static void gplivo_log_tramp(void *user_data, PlivoLogLevel level, const char *message) {
	gplivoLogLine((uintptr_t)user_data, (int)level, (char *)message);
}

typedef struct {
	int set_bidirectional;         int bidirectional;
	const char *audio_track;       // NULL: not set (API default)
	const char *status_callback_url;
	const char *status_callback_method;
	const char *content_type;
	const char *extra_headers;
	int set_stream_timeout;        uint32_t stream_timeout;
	int set_cx_bot;                int cx_bot;
} gplivo_params;

static char *gplivo_dup(const char *s) {
	size_t n;
	char *d;
	if (s == NULL) return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d != NULL) memcpy(d, s, n);
	return d;
}

// Record the result of a fallible call made just before, on this thread.
static void gplivo_finish(gplivo_result *r, int code) {
	r->code = code;
	r->http_status = plivo_last_http_status();
	if (code != PLIVO_OK) {
		r->message = gplivo_dup(plivo_last_error());
		r->api_id = gplivo_dup(plivo_last_api_id());
	}
}

static void gplivo_result_release(gplivo_result *r) {
	free(r->message);
	free(r->api_id);
	plivo_string_free(r->out);
	r->message = NULL;
	r->api_id = NULL;
	r->out = NULL;
}

// A constructor returned NULL: its code is in the last error (never PLIVO_OK).
static void gplivo_finish_null(gplivo_result *r) {
	int code = (int)plivo_last_error_code();
	gplivo_finish(r, code != PLIVO_OK ? code : PLIVO_ERR_INTERNAL);
}

#define GPLIVO_TRY(r, expr) do { int rc_ = (int)(expr); \
	if (rc_ != PLIVO_OK) { gplivo_finish((r), rc_); goto fail; } } while (0)

static PlivoCode gplivo_option_apply(PlivoOptions *opts, const gplivo_option *o) {
	if (o->set_string != NULL) return o->set_string(opts, o->string_arg);
	if (o->set_uint32 != NULL) return o->set_uint32(opts, o->uint32_arg);
	if (o->set_bool != NULL) return o->set_bool(opts, o->bool_arg != 0);
	if (o->set_log)
		return plivo_options_set_log_callback(opts, (PlivoLogLevel)o->log_level,
		                                      gplivo_log_tramp, (void *)o->log_handle);
	return PLIVO_ERR_INTERNAL;  // an empty gplivo_option: a bug in cgo.go
}

// Apply the n options in order (NULL: the library's defaults, no PlivoOptions).
static PlivoClient *gplivo_client_new(const char *auth_id, const char *auth_token,
                                      const gplivo_option *o, int n, gplivo_result *r) {
	PlivoOptions *opts = NULL;
	PlivoClient *client = NULL;
	int i;
	if (o != NULL) {
		opts = plivo_options_new();
		if (opts == NULL) { gplivo_finish_null(r); return NULL; }
		for (i = 0; i < n; i++)
			GPLIVO_TRY(r, gplivo_option_apply(opts, &o[i]));
	}
	client = plivo_client_new_with_options(auth_id, auth_token, opts);
	if (client == NULL) gplivo_finish_null(r);
	else gplivo_finish(r, PLIVO_OK);
fail:
	plivo_options_free(opts);  // leaves the last error alone (and r holds a copy)
	return client;
}

static void gplivo_stop_stream(const PlivoClient *c, const char *call_uuid,
                               const char *stream_uuid, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_stop_stream(c, call_uuid, stream_uuid));
}

static void gplivo_stop_all_streams(const PlivoClient *c, const char *call_uuid,
                                    gplivo_result *r) {
	gplivo_finish(r, (int)plivo_stop_all_streams(c, call_uuid));
}

// Build PlivoStreamParams from p (NULL: none) into *out; on failure r holds the error
// and the return is non-zero. Shared by the blocking and the queued start.
static int gplivo_params_build(const gplivo_params *p, PlivoStreamParams **out, gplivo_result *r) {
	PlivoStreamParams *sp = NULL;
	*out = NULL;
	if (p == NULL) return 0;
	sp = plivo_stream_params_new();
	if (sp == NULL) { gplivo_finish_null(r); return 1; }
	if (p->set_bidirectional)
		GPLIVO_TRY(r, plivo_stream_params_set_bidirectional(sp, p->bidirectional != 0));
	if (p->audio_track != NULL)
		GPLIVO_TRY(r, plivo_stream_params_set_audio_track(sp, p->audio_track));
	if (p->set_stream_timeout)
		GPLIVO_TRY(r, plivo_stream_params_set_stream_timeout(sp, p->stream_timeout));
	if (p->status_callback_url != NULL)
		GPLIVO_TRY(r, plivo_stream_params_set_status_callback_url(sp, p->status_callback_url));
	if (p->status_callback_method != NULL)
		GPLIVO_TRY(r, plivo_stream_params_set_status_callback_method(sp, p->status_callback_method));
	if (p->content_type != NULL)
		GPLIVO_TRY(r, plivo_stream_params_set_content_type(sp, p->content_type));
	if (p->extra_headers != NULL)
		GPLIVO_TRY(r, plivo_stream_params_set_extra_headers(sp, p->extra_headers));
	if (p->set_cx_bot)
		GPLIVO_TRY(r, plivo_stream_params_set_cx_bot(sp, p->cx_bot != 0));
	*out = sp;
	return 0;
fail:
	plivo_stream_params_free(sp);
	return 1;
}

static void gplivo_start_stream(const PlivoClient *c, const char *call_uuid,
                                const char *service_url, const gplivo_params *p,
                                gplivo_result *r) {
	PlivoStreamParams *sp = NULL;
	if (gplivo_params_build(p, &sp, r) != 0) return;
	gplivo_finish(r, (int)plivo_start_stream(c, call_uuid, service_url, sp, &r->out));
	plivo_stream_params_free(sp);
}

static void gplivo_get_stream(const PlivoClient *c, const char *call_uuid,
                              const char *stream_uuid, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_get_stream(c, call_uuid, stream_uuid, &r->out));
}

static void gplivo_list_streams(const PlivoClient *c, const char *call_uuid,
                                gplivo_result *r) {
	gplivo_finish(r, (int)plivo_list_streams(c, call_uuid, &r->out));
}

// ---- Completion queues (queue.go) and stats (stats.go) ----
// Submits and cancel set the thread's last error: each shim makes the call and reads
// it in one cgo call, like the blocking shims above.

static PlivoQueue *gplivo_queue_new(const PlivoClient *c, uint32_t max_in_flight,
                                    gplivo_result *r) {
	PlivoQueue *q = plivo_queue_new(c, max_in_flight);
	if (q == NULL) gplivo_finish_null(r);
	else gplivo_finish(r, PLIVO_OK);
	return q;
}

static void gplivo_queue_stop_stream(PlivoQueue *q, const char *call_uuid,
                                     const char *stream_uuid, uint64_t tag, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_queue_stop_stream(q, call_uuid, stream_uuid, tag));
}

static void gplivo_queue_stop_all_streams(PlivoQueue *q, const char *call_uuid,
                                          uint64_t tag, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_queue_stop_all_streams(q, call_uuid, tag));
}

static void gplivo_queue_start_stream(PlivoQueue *q, const char *call_uuid,
                                      const char *service_url, const gplivo_params *p,
                                      uint64_t tag, gplivo_result *r) {
	PlivoStreamParams *sp = NULL;
	if (gplivo_params_build(p, &sp, r) != 0) return;
	gplivo_finish(r, (int)plivo_queue_start_stream(q, call_uuid, service_url, sp, tag));
	plivo_stream_params_free(sp);  // copied by the submit
}

static void gplivo_queue_get_stream(PlivoQueue *q, const char *call_uuid,
                                    const char *stream_uuid, uint64_t tag, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_queue_get_stream(q, call_uuid, stream_uuid, tag));
}

static void gplivo_queue_list_streams(PlivoQueue *q, const char *call_uuid, uint64_t tag,
                                      gplivo_result *r) {
	gplivo_finish(r, (int)plivo_queue_list_streams(q, call_uuid, tag));
}

static int gplivo_queue_cancel(PlivoQueue *q, uint64_t tag) {
	return (int)plivo_queue_cancel(q, tag);  // the result's code is all we need
}

// One taken result; the strings are borrowed from res (plivo_result_free).
typedef struct {
	PlivoResult *res;
	uint64_t tag;
	int code;
	int http_status;
	const char *message;
	const char *api_id;
	const char *body;
	uint32_t attempts;
	uint64_t elapsed_us;
} gplivo_qres;

// Wait up to timeout_ms for the queue's descriptor to be readable (poll(2): no spin
// when nothing is pending), then take up to n ready results. Returns how many.
static int gplivo_queue_take(PlivoQueue *q, int fd, int timeout_ms, gplivo_qres *out, int n) {
	struct pollfd pfd;
	int k = 0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) <= 0) return 0;
	while (k < n) {
		PlivoResult *res = plivo_queue_next(q);
		if (res == NULL) break;
		out[k].res = res;
		out[k].tag = plivo_result_tag(res);
		out[k].code = (int)plivo_result_code(res);
		out[k].http_status = plivo_result_http_status(res);
		out[k].message = plivo_result_message(res);
		out[k].api_id = plivo_result_api_id(res);
		out[k].body = plivo_result_body(res);
		out[k].attempts = plivo_result_attempts(res);
		out[k].elapsed_us = plivo_result_elapsed_us(res);
		k++;
	}
	return k;
}

static void gplivo_qres_free(gplivo_qres *out, int n) {
	int i;
	for (i = 0; i < n; i++) {
		plivo_result_free(out[i].res);
		out[i].res = NULL;
	}
}

static void gplivo_client_stats(const PlivoClient *c, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_client_stats(c, &r->out));
}
*/
import "C"

import (
	"math"
	"runtime/cgo"
	"strings"
	"time"
	"unsafe"
)

// cstrings holds C copies of Go strings until free is called.
type cstrings struct {
	ptrs []*C.char
	err  error
}

// add returns a C copy of s, or nil after recording an invalid-argument error when s
// contains a NUL byte (C would see a shorter, possibly valid, string).
func (cs *cstrings) add(what, s string) *C.char {
	if strings.IndexByte(s, 0) >= 0 {
		if cs.err == nil {
			cs.err = &Error{Code: CodeInvalidArgument, Message: what + " contains a NUL byte"}
		}
		return nil
	}
	p := C.CString(s)
	cs.ptrs = append(cs.ptrs, p)
	return p
}

// optional is add, with "" meaning "not set" (NULL).
func (cs *cstrings) optional(what, s string) *C.char {
	if s == "" {
		return nil
	}
	return cs.add(what, s)
}

func (cs *cstrings) free() {
	for _, p := range cs.ptrs {
		C.free(unsafe.Pointer(p))
	}
	cs.ptrs = nil
}

// take converts a shim result to Go values and releases its C memory.
func take(r *C.gplivo_result) (out string, err error) {
	if r.out != nil {
		out = C.GoString(r.out)
	}
	if r.code != C.PLIVO_OK {
		e := &Error{Code: Code(r.code), HTTPStatus: int(r.http_status)}
		if r.message != nil {
			e.Message = C.GoString(r.message)
		}
		if r.api_id != nil {
			e.APIID = C.GoString(r.api_id)
		}
		err = e
	}
	C.gplivo_result_release(r)
	return out, err
}

// millis converts a duration to whole milliseconds for a uint32 option, rounding up
// so that a positive duration never becomes 0. Values the library refuses (0, more
// than its maximum) are passed on so that it reports them.
func millis(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	return C.uint32_t(ms)
}

// clampU32 maps a non-negative int to uint32, saturating (the library refuses values
// that large with PLIVO_ERR_INVALID_ARGUMENT).
func clampU32(n int) C.uint32_t {
	if uint64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return C.uint32_t(n)
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// clientSetup is what NewClient's option steps make: the C setter calls for
// gplivo_client_new, in order, with the C strings they point to, and the settings
// that are not C options.
type clientSetup struct {
	cs          cstrings
	calls       []C.gplivo_option // Go memory holding only C pointers
	maxInFlight int               // queue.go: WithMaxInFlight
	logHandle   cgo.Handle        // log.go: WithLogger; 0: no log callback
}

// stringOption, uint32Option and boolOption are the Options that call set, a
// plivo_options_set_* function taking an argument of that type (C.plivo_options_set_*
// as a value; Go cannot check its type, the C setter's name says it).
func stringOption(key string, set unsafe.Pointer, s string) Option {
	return option(key, func(cs *clientSetup) error {
		cs.calls = append(cs.calls, C.gplivo_option{
			set_string: C.gplivo_set_string(set), string_arg: cs.cs.add(key, s)})
		return nil
	})
}

func uint32Option(key string, set unsafe.Pointer, n C.uint32_t) Option {
	return option(key, func(cs *clientSetup) error {
		cs.calls = append(cs.calls, C.gplivo_option{set_uint32: C.gplivo_set_uint32(set), uint32_arg: n})
		return nil
	})
}

func boolOption(key string, set unsafe.Pointer, b bool) Option {
	return option(key, func(cs *clientSetup) error {
		cs.calls = append(cs.calls, C.gplivo_option{set_bool: C.gplivo_set_bool(set), bool_arg: boolInt(b)})
		return nil
	})
}

// refusedOption is the Option of a value Go refuses before C sees it (as the C setter
// would: NewClient fails with CodeInvalidArgument).
func refusedOption(key, message string) Option {
	return option(key, func(*clientSetup) error {
		return &Error{Code: CodeInvalidArgument, Message: message}
	})
}

// setLogCallback installs plivo_options_set_log_callback with h as its user_data; the
// client owns h from then on (clientExt).
func (cs *clientSetup) setLogCallback(level int, h cgo.Handle) {
	cs.calls = append(cs.calls, C.gplivo_option{
		set_log: 1, log_level: C.int(level), log_handle: C.uintptr_t(h)})
	cs.logHandle = h
}

// newClient runs the option steps and creates the C client, setting ext's settings for
// it. The log handle a step made then belongs to ext, and is deleted when there is no
// client.
func newClient(authID, authToken string, steps []optionStep, ext *clientExt) (*cClient, error) {
	setup := clientSetup{maxInFlight: defaultMaxInFlight}
	defer setup.cs.free()
	p, err := setup.newClient(authID, authToken, steps)
	if err != nil {
		if p != nil { // cannot happen; never leak
			freeClient(p)
		}
		if setup.logHandle != 0 {
			setup.logHandle.Delete()
		}
		return nil, err
	}
	ext.maxInFlight, ext.logHandle = setup.maxInFlight, setup.logHandle
	return p, nil
}

// Errors come in this order: a value Go refuses (in the order given), a NUL byte
// (credentials first), then the library's.
func (cs *clientSetup) newClient(authID, authToken string, steps []optionStep) (*cClient, error) {
	id := cs.cs.optional("auth_id", authID)
	token := cs.cs.optional("auth_token", authToken)
	for _, step := range steps {
		if err := step.apply(cs); err != nil {
			return nil, err
		}
	}
	if cs.cs.err != nil {
		return nil, cs.cs.err
	}
	var calls *C.gplivo_option // NULL when no C option was given
	if len(cs.calls) > 0 {
		calls = &cs.calls[0]
	}
	var r C.gplivo_result
	p := C.gplivo_client_new(id, token, calls, C.int(len(cs.calls)), &r)
	_, err := take(&r)
	if p == nil && err == nil {
		err = &Error{Code: CodeInternal, Message: "client constructor returned NULL without an error"}
	}
	return p, err
}

func freeClient(p *cClient) { C.plivo_client_free(p) }

func stopStream(p *cClient, callUUID, streamUUID string) error {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	stream := cs.add("stream_uuid", streamUUID)
	if cs.err != nil {
		return cs.err
	}
	var r C.gplivo_result
	C.gplivo_stop_stream(p, call, stream, &r)
	_, err := take(&r)
	return err
}

func stopAllStreams(p *cClient, callUUID string) error {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	if cs.err != nil {
		return cs.err
	}
	var r C.gplivo_result
	C.gplivo_stop_all_streams(p, call, &r)
	_, err := take(&r)
	return err
}

func startStream(p *cClient, callUUID, serviceURL string, sp *StreamParams) (string, error) {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	url := cs.add("service_url", serviceURL)
	params := cParams(&cs, sp)
	if cs.err != nil {
		return "", cs.err
	}
	var r C.gplivo_result
	C.gplivo_start_stream(p, call, url, params, &r)
	return take(&r)
}

// cParams converts sp (nil: API defaults) for gplivo_params_build, recording a refused
// value in cs.err. Shared by the blocking and the queued start.
func cParams(cs *cstrings, sp *StreamParams) *C.gplivo_params {
	if sp == nil {
		return nil
	}
	params := new(C.gplivo_params) // Go memory holding only C pointers
	if sp.Bidirectional != nil {
		params.set_bidirectional, params.bidirectional = 1, boolInt(*sp.Bidirectional)
	}
	params.audio_track = cs.optional("audio_track", sp.AudioTrack)
	params.status_callback_url = cs.optional("status_callback_url", sp.StatusCallbackURL)
	params.status_callback_method = cs.optional("status_callback_method", sp.StatusCallbackMethod)
	params.content_type = cs.optional("content_type", sp.ContentType)
	params.extra_headers = cs.optional("extra_headers", sp.ExtraHeaders)
	if sp.CxBot != nil {
		params.set_cx_bot, params.cx_bot = 1, boolInt(*sp.CxBot)
	}
	if sp.StreamTimeout < 0 && cs.err == nil {
		cs.err = &Error{Code: CodeInvalidArgument, Message: "stream_timeout must not be negative"}
	}
	if uint64(sp.StreamTimeout) > math.MaxUint32 && sp.StreamTimeout > 0 && cs.err == nil {
		cs.err = &Error{Code: CodeInvalidArgument, Message: "stream_timeout is more than 4294967295 seconds"}
	}
	if sp.StreamTimeout > 0 {
		params.set_stream_timeout, params.stream_timeout = 1, clampU32(sp.StreamTimeout)
	}
	return params
}

func getStream(p *cClient, callUUID, streamUUID string) (string, int, error) {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	stream := cs.add("stream_uuid", streamUUID)
	if cs.err != nil {
		return "", 0, cs.err
	}
	var r C.gplivo_result
	C.gplivo_get_stream(p, call, stream, &r)
	status := int(r.http_status)
	out, err := take(&r)
	return out, status, err
}

func listStreams(p *cClient, callUUID string) (string, int, error) {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	if cs.err != nil {
		return "", 0, cs.err
	}
	var r C.gplivo_result
	C.gplivo_list_streams(p, call, &r)
	status := int(r.http_status)
	out, err := take(&r)
	return out, status, err
}

func libVersion() string { return C.GoString(C.plivo_version()) }

func libCodeName(code int) string {
	if code < math.MinInt32 || code > math.MaxInt32 {
		return C.GoString(C.plivo_code_name(C.int(-1)))
	}
	return C.GoString(C.plivo_code_name(C.int(code)))
}

// headerVersion is PLIVO_VERSION of the header this package was compiled against.
const headerVersion = C.PLIVO_VERSION

// cClient is the library's opaque client handle.
type cClient = C.PlivoClient

// ---- Completion queues (queue.go) and stats (stats.go) ----

type cQueue = C.PlivoQueue

func queueNew(p *cClient, maxInFlight int) (*cQueue, int, error) {
	var r C.gplivo_result
	q := C.gplivo_queue_new(p, clampU32(maxInFlight), &r)
	_, err := take(&r)
	if q == nil && err == nil {
		err = &Error{Code: CodeInternal, Message: "plivo_queue_new returned NULL without an error"}
	}
	if q == nil {
		return nil, -1, err
	}
	return q, int(C.plivo_queue_fd(q)), nil
}

func queueFree(q *cQueue) { C.plivo_queue_free(q) }

// queueSubmit submits one operation with tag; nothing is queued when it returns an error.
func queueSubmit(q *cQueue, op opKind, tag uint64, a1, a2 string, sp *StreamParams) error {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", a1)
	var second *C.char
	var params *C.gplivo_params
	switch op {
	case opStop, opGet:
		second = cs.add("stream_uuid", a2)
	case opStart:
		second = cs.add("service_url", a2)
		params = cParams(&cs, sp)
	}
	if cs.err != nil {
		return cs.err
	}
	t := C.uint64_t(tag)
	var r C.gplivo_result
	switch op {
	case opStop:
		C.gplivo_queue_stop_stream(q, call, second, t, &r)
	case opStopAll:
		C.gplivo_queue_stop_all_streams(q, call, t, &r)
	case opStart:
		C.gplivo_queue_start_stream(q, call, second, params, t, &r)
	case opGet:
		C.gplivo_queue_get_stream(q, call, second, t, &r)
	case opList:
		C.gplivo_queue_list_streams(q, call, t, &r)
	default:
		return &Error{Code: CodeInternal, Message: "unknown queue operation"}
	}
	_, err := take(&r)
	return err
}

// queueCancel cancels the requests with tag; false when none was still running.
func queueCancel(q *cQueue, tag uint64) bool {
	return C.gplivo_queue_cancel(q, C.uint64_t(tag)) == C.PLIVO_OK
}

// qResult is a taken result, copied into Go memory.
type qResult struct {
	tag        uint64
	code       Code
	httpStatus int
	message    string
	apiID      string
	body       string
	attempts   int
	elapsed    time.Duration
}

const takeBatch = 64

// queueTake waits up to timeoutMS for fd to be readable, then takes up to takeBatch
// results into dst (two cgo calls per batch).
func queueTake(q *cQueue, fd int, timeoutMS int, dst []qResult) []qResult {
	var buf [takeBatch]C.gplivo_qres // Go memory holding only C pointers
	n := int(C.gplivo_queue_take(q, C.int(fd), C.int(timeoutMS), &buf[0], C.int(takeBatch)))
	for i := 0; i < n; i++ {
		b := &buf[i]
		r := qResult{
			tag:        uint64(b.tag),
			code:       Code(b.code),
			httpStatus: int(b.http_status),
			attempts:   int(b.attempts),
			elapsed:    time.Duration(b.elapsed_us) * time.Microsecond,
		}
		if b.message != nil {
			r.message = C.GoString(b.message)
		}
		if b.api_id != nil {
			r.apiID = C.GoString(b.api_id)
		}
		if b.body != nil {
			r.body = C.GoString(b.body)
		}
		dst = append(dst, r)
	}
	if n > 0 {
		C.gplivo_qres_free(&buf[0], C.int(n))
	}
	return dst
}

func clientStats(p *cClient) (string, error) {
	var r C.gplivo_result
	C.gplivo_client_stats(p, &r)
	return take(&r)
}
