package plivo

// Code is a libplivo result code (C enum PlivoCode). The numbers are part of the
// library's stable ABI and never change meaning; new codes may be added later, so
// treat an unknown non-zero value as a failure.
type Code int

// Result codes, with the numbers of include/plivo.h.
const (
	CodeOK              Code = 0  // PLIVO_OK
	CodeInvalidArgument Code = 1  // PLIVO_ERR_INVALID_ARGUMENT: bad argument or option; nothing was sent
	CodeNoActiveStream  Code = 2  // PLIVO_ERR_NO_ACTIVE_STREAM: HTTP 400 "No active stream found"
	CodeBadRequest      Code = 3  // PLIVO_ERR_BAD_REQUEST: any other HTTP 400
	CodeAuthentication  Code = 4  // PLIVO_ERR_AUTHENTICATION: HTTP 401 or 403
	CodeNotFound        Code = 5  // PLIVO_ERR_NOT_FOUND: HTTP 404, unknown call or stream
	CodeRateLimited     Code = 6  // PLIVO_ERR_RATE_LIMITED: HTTP 429, after retries
	CodeServer          Code = 7  // PLIVO_ERR_SERVER: HTTP 5xx, after retries
	CodeHTTP            Code = 8  // PLIVO_ERR_HTTP: any other status (3xx, 405, other 4xx)
	CodeTimeout         Code = 9  // PLIVO_ERR_TIMEOUT: the call's deadline passed
	CodeTransport       Code = 10 // PLIVO_ERR_TRANSPORT: DNS, connect, TLS, connection closed
	CodeInvalidResponse Code = 11 // PLIVO_ERR_INVALID_RESPONSE: not HTTP, unexpected body, body over 1 MiB
	CodeInternal        Code = 12 // PLIVO_ERR_INTERNAL: a bug in libplivo (or in this binding)
	CodeBusy            Code = 13 // PLIVO_ERR_BUSY: a completion queue is full (the *Context methods wait instead)
	CodeCancelled       Code = 14 // PLIVO_ERR_CANCELLED: cancelled (context done, or Close) before it completed
)

// String returns the C name of the code ("PLIVO_ERR_NO_ACTIVE_STREAM"), as given by
// the linked library's plivo_code_name(); "PLIVO_ERR_UNKNOWN" for a value it does not
// know.
func (c Code) String() string { return libCodeName(int(c)) }

// CodeName returns the C name of a result code: plivo_code_name(code).
func CodeName(code int) string { return libCodeName(code) }

// Version returns the version of the linked libplivo (plivo_version()), e.g. "0.1.0".
func Version() string { return libVersion() }

// HeaderVersion returns the PLIVO_VERSION of the plivo.h this package was compiled
// against. It differs from Version() when the library found at run time is not the
// one the program was built with.
func HeaderVersion() string { return headerVersion }

// Error is the error returned by every operation of this package that fails.
//
// Code is the libplivo result code; HTTPStatus is the status of the last HTTP response
// received (0 when none was: invalid argument, connect failure, timeout); APIID is the
// "api_id" of the error response body, when it had one; Message is libplivo's
// plivo_last_error() text (it never contains the auth token), or the binding's own
// text for failures detected in Go.
//
// Compare with errors.Is and the sentinel values (errors.Is(err, ErrNoActiveStream)),
// which match on Code only, or use errors.As to read the fields.
type Error struct {
	Code       Code
	HTTPStatus int
	APIID      string
	Message    string

	cause error // what Unwrap returns: context.Canceled / DeadlineExceeded, or nil
}

// Unwrap returns the cause of a cancellation: for an error of a *Context method whose
// context ended, ctx.Err() (so errors.Is(err, context.Canceled) and
// errors.Is(err, ErrCancelled) both hold); nil otherwise.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.cause
}

// Error implements error: "plivo: <message> (<CODE NAME>)". libplivo's messages
// name the operation and its arguments, and for HTTP errors the status and the
// server's error text.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "failed"
	}
	return "plivo: " + msg + " (" + e.Code.String() + ")"
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, plivo.ErrNotFound) works for any error of that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

func sentinel(c Code, msg string) *Error { return &Error{Code: c, Message: msg} }

// Sentinel errors, one per failure code, for errors.Is. They match any *Error of the
// same Code; do not modify them.
var (
	ErrInvalidArgument = sentinel(CodeInvalidArgument, "invalid argument")
	ErrNoActiveStream  = sentinel(CodeNoActiveStream, "no active stream")
	ErrBadRequest      = sentinel(CodeBadRequest, "bad request")
	ErrAuthentication  = sentinel(CodeAuthentication, "authentication failed")
	ErrNotFound        = sentinel(CodeNotFound, "not found")
	ErrRateLimited     = sentinel(CodeRateLimited, "rate limited")
	ErrServer          = sentinel(CodeServer, "server error")
	ErrHTTP            = sentinel(CodeHTTP, "unexpected HTTP status")
	ErrTimeout         = sentinel(CodeTimeout, "timeout")
	ErrTransport       = sentinel(CodeTransport, "transport error")
	ErrInvalidResponse = sentinel(CodeInvalidResponse, "invalid response")
	ErrInternal        = sentinel(CodeInternal, "internal error")
	ErrBusy            = sentinel(CodeBusy, "queue busy")
	ErrCancelled       = sentinel(CodeCancelled, "cancelled")
)
