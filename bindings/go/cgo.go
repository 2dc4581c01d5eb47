package plivo

// This file is the only one that talks to C. Every operation is exactly one cgo call
// into a shim below that calls the plivo_* function(s) AND copies the thread's
// last-error state (code, message, HTTP status, api_id) into a gplivo_result in the
// same call: libplivo's last error is per OS thread, and a goroutine may move to
// another OS thread between two cgo calls, so reading it in a second cgo call could
// read another goroutine's error.
//
// Memory: message and api_id are malloc'd copies (freed by gplivo_result_release);
// out is the library-owned char* of a char** out-parameter (freed there with
// plivo_string_free). Go strings are passed as C.CString copies freed by Go.

/*
#cgo pkg-config: plivo

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

// One plivo_options_set_* or plivo_stream_params_set_* call: which (a GPLIVO_* key)
// and its value (text for a const char * setter, number for uint32_t and bool).
typedef struct {
	int which;
	const char *text;
	uint32_t number;
} gplivo_setting;

// In the order the shims apply them.
enum {
	GPLIVO_BASE_URL, GPLIVO_TIMEOUT_MS, GPLIVO_CONNECT_TIMEOUT_MS, GPLIVO_MAX_RETRIES,
	GPLIVO_PROXY, GPLIVO_CA_FILE, GPLIVO_ALLOW_INSECURE_HTTP,
	GPLIVO_BIDIRECTIONAL, GPLIVO_AUDIO_TRACK, GPLIVO_STREAM_TIMEOUT,
	GPLIVO_STATUS_CALLBACK_URL, GPLIVO_STATUS_CALLBACK_METHOD, GPLIVO_CONTENT_TYPE,
	GPLIVO_EXTRA_HEADERS,
	GPLIVO_KEYS
};

// Applies one setting: an option key to o, a parameter key to p.
static int gplivo_apply(PlivoOptions *o, PlivoStreamParams *p, const gplivo_setting *s) {
	switch (s->which) {
	case GPLIVO_BASE_URL: return plivo_options_set_base_url(o, s->text);
	case GPLIVO_TIMEOUT_MS: return plivo_options_set_timeout_ms(o, s->number);
	case GPLIVO_CONNECT_TIMEOUT_MS: return plivo_options_set_connect_timeout_ms(o, s->number);
	case GPLIVO_MAX_RETRIES: return plivo_options_set_max_retries(o, s->number);
	case GPLIVO_PROXY: return plivo_options_set_proxy(o, s->text);
	case GPLIVO_CA_FILE: return plivo_options_set_ca_file(o, s->text);
	case GPLIVO_ALLOW_INSECURE_HTTP: return plivo_options_set_allow_insecure_http(o, s->number != 0);
	case GPLIVO_BIDIRECTIONAL: return plivo_stream_params_set_bidirectional(p, s->number != 0);
	case GPLIVO_AUDIO_TRACK: return plivo_stream_params_set_audio_track(p, s->text);
	case GPLIVO_STREAM_TIMEOUT: return plivo_stream_params_set_stream_timeout(p, s->number);
	case GPLIVO_STATUS_CALLBACK_URL: return plivo_stream_params_set_status_callback_url(p, s->text);
	case GPLIVO_STATUS_CALLBACK_METHOD: return plivo_stream_params_set_status_callback_method(p, s->text);
	case GPLIVO_CONTENT_TYPE: return plivo_stream_params_set_content_type(p, s->text);
	case GPLIVO_EXTRA_HEADERS: return plivo_stream_params_set_extra_headers(p, s->text);
	}
	return PLIVO_ERR_INTERNAL;
}

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

// opts (n settings) is NULL when no option was given: the library's defaults.
static PlivoClient *gplivo_client_new(const char *auth_id, const char *auth_token,
                                      const gplivo_setting *opts, size_t n, gplivo_result *r) {
	PlivoOptions *o = NULL;
	PlivoClient *client = NULL;
	size_t i;
	int rc;
	if (opts != NULL) {
		o = plivo_options_new();
		if (o == NULL) { gplivo_finish_null(r); return NULL; }
		for (i = 0; i < n; i++)
			if ((rc = gplivo_apply(o, NULL, &opts[i])) != PLIVO_OK) { gplivo_finish(r, rc); goto fail; }
	}
	client = plivo_client_new_with_options(auth_id, auth_token, o);
	if (client == NULL) gplivo_finish_null(r);
	else gplivo_finish(r, PLIVO_OK);
fail:
	plivo_options_free(o);  // leaves the last error alone (and r holds a copy)
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

// params (n settings) is NULL when StartStream got no StreamParams.
static void gplivo_start_stream(const PlivoClient *c, const char *call_uuid,
                                const char *service_url, const gplivo_setting *params,
                                size_t n, gplivo_result *r) {
	PlivoStreamParams *p = NULL;
	size_t i;
	int rc;
	if (params != NULL) {
		p = plivo_stream_params_new();
		if (p == NULL) { gplivo_finish_null(r); return; }
		for (i = 0; i < n; i++)
			if ((rc = gplivo_apply(NULL, p, &params[i])) != PLIVO_OK) { gplivo_finish(r, rc); goto fail; }
	}
	gplivo_finish(r, (int)plivo_start_stream(c, call_uuid, service_url, p, &r->out));
fail:
	plivo_stream_params_free(p);
}

static void gplivo_get_stream(const PlivoClient *c, const char *call_uuid,
                              const char *stream_uuid, gplivo_result *r) {
	gplivo_finish(r, (int)plivo_get_stream(c, call_uuid, stream_uuid, &r->out));
}

static void gplivo_list_streams(const PlivoClient *c, const char *call_uuid,
                                gplivo_result *r) {
	gplivo_finish(r, (int)plivo_list_streams(c, call_uuid, &r->out));
}
*/
import "C"

import (
	"math"
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

// key names one plivo_options_set_* or plivo_stream_params_set_* call.
type key int

const (
	keyBaseURL              key = C.GPLIVO_BASE_URL
	keyTimeout              key = C.GPLIVO_TIMEOUT_MS
	keyConnectTimeout       key = C.GPLIVO_CONNECT_TIMEOUT_MS
	keyMaxRetries           key = C.GPLIVO_MAX_RETRIES
	keyProxy                key = C.GPLIVO_PROXY
	keyCAFile               key = C.GPLIVO_CA_FILE
	keyAllowInsecureHTTP    key = C.GPLIVO_ALLOW_INSECURE_HTTP
	keyBidirectional        key = C.GPLIVO_BIDIRECTIONAL
	keyAudioTrack           key = C.GPLIVO_AUDIO_TRACK
	keyStreamTimeout        key = C.GPLIVO_STREAM_TIMEOUT
	keyStatusCallbackURL    key = C.GPLIVO_STATUS_CALLBACK_URL
	keyStatusCallbackMethod key = C.GPLIVO_STATUS_CALLBACK_METHOD
	keyContentType          key = C.GPLIVO_CONTENT_TYPE
	keyExtraHeaders         key = C.GPLIVO_EXTRA_HEADERS
)

// settings are the options of NewClient or the parameters of StartStream: the set
// calls to make, at most one per key (set again, the last value wins), as Go values
// until they are handed to C.
type settings struct {
	given bool // an Option was given, or StreamParams were (even all-default ones)
	vals  [C.GPLIVO_KEYS]struct {
		set   bool
		what  string      // the C parameter's name, for error messages
		value interface{} // string, bool, time.Duration, or int (a count: not negative)
	}
}

func (s *settings) put(k key, what string, value interface{}) {
	s.given = true
	s.vals[k].set, s.vals[k].what, s.vals[k].value = true, what, value
}

// c is the array the C shims apply, in key order (nil when nothing was given), its
// strings copied into cs.
func (s *settings) c(cs *cstrings) ([]C.gplivo_setting, error) {
	if !s.given {
		return nil, cs.err
	}
	list := make([]C.gplivo_setting, 0, len(s.vals)) // Go memory holding only C pointers
	for k, v := range s.vals {
		if !v.set {
			continue
		}
		e := C.gplivo_setting{which: C.int(k)}
		switch x := v.value.(type) {
		case string:
			e.text = cs.add(v.what, x)
		case bool:
			if x {
				e.number = 1
			}
		case time.Duration:
			e.number = millis(x)
		case int:
			if x < 0 && cs.err == nil {
				cs.err = &Error{Code: CodeInvalidArgument, Message: v.what + " must not be negative"}
			}
			e.number = clampU32(x)
		}
		list = append(list, e)
	}
	return list, cs.err
}

// array is what a shim takes for a settings list: NULL for nil, and its length.
func array(list []C.gplivo_setting) (*C.gplivo_setting, C.size_t) {
	if list == nil {
		return nil, 0
	}
	list = append(list, C.gplivo_setting{}) // never empty: &list[0] exists
	return &list[0], C.size_t(len(list) - 1)
}

func newClient(authID, authToken string, opts *settings) (*cClient, error) {
	var cs cstrings
	defer cs.free()
	id := cs.optional("auth_id", authID)
	token := cs.optional("auth_token", authToken)
	list, err := opts.c(&cs)
	if err != nil {
		return nil, err
	}
	o, n := array(list)
	var r C.gplivo_result
	p := C.gplivo_client_new(id, token, o, n, &r)
	_, err = take(&r)
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

func startStream(p *cClient, callUUID, serviceURL string, params *settings) (string, error) {
	var cs cstrings
	defer cs.free()
	call := cs.add("call_uuid", callUUID)
	url := cs.add("service_url", serviceURL)
	list, err := params.c(&cs)
	if err != nil {
		return "", err
	}
	sp, n := array(list)
	var r C.gplivo_result
	C.gplivo_start_stream(p, call, url, sp, n, &r)
	return take(&r)
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
