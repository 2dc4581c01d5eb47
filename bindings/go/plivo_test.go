package plivo_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

// asError returns err as *plivo.Error, failing the test otherwise.
func asError(t *testing.T, err error) *plivo.Error {
	t.Helper()
	var pe *plivo.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *plivo.Error", err, err)
	}
	return pe
}

// wantCode checks that err is an *Error of the code and sentinel given.
func wantCode(t *testing.T, err error, sentinel error, code plivo.Code, status int) *plivo.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %v", code)
	}
	pe := asError(t, err)
	if pe.Code != code {
		t.Fatalf("code = %v (%d), want %v; error: %v", pe.Code, int(pe.Code), code, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, %v) is false", err, sentinel)
	}
	if status >= 0 && pe.HTTPStatus != status {
		t.Fatalf("HTTPStatus = %d, want %d; error: %v", pe.HTTPStatus, status, err)
	}
	if strings.Contains(err.Error(), testAuthToken) {
		t.Fatal("the error message contains the auth token")
	}
	return pe
}

func TestVersionAndCodeNames(t *testing.T) {
	if v := plivo.Version(); v == "" || v != plivo.HeaderVersion() {
		t.Fatalf("Version() = %q, HeaderVersion() = %q", v, plivo.HeaderVersion())
	}
	names := []string{
		"PLIVO_OK", "PLIVO_ERR_INVALID_ARGUMENT", "PLIVO_ERR_NO_ACTIVE_STREAM",
		"PLIVO_ERR_BAD_REQUEST", "PLIVO_ERR_AUTHENTICATION", "PLIVO_ERR_NOT_FOUND",
		"PLIVO_ERR_RATE_LIMITED", "PLIVO_ERR_SERVER", "PLIVO_ERR_HTTP", "PLIVO_ERR_TIMEOUT",
		"PLIVO_ERR_TRANSPORT", "PLIVO_ERR_INVALID_RESPONSE", "PLIVO_ERR_INTERNAL",
		"PLIVO_ERR_BUSY", "PLIVO_ERR_CANCELLED",
	}
	for i, n := range names {
		if got := plivo.CodeName(i); got != n {
			t.Errorf("CodeName(%d) = %q, want %q", i, got, n)
		}
		if got := plivo.Code(i).String(); got != n {
			t.Errorf("Code(%d).String() = %q, want %q", i, got, n)
		}
	}
	for _, c := range []int{-1, 15, 1 << 31, 1<<32 + 2, -(1 << 40)} {
		if got := plivo.CodeName(c); got != "PLIVO_ERR_UNKNOWN" {
			t.Errorf("CodeName(%d) = %q", c, got)
		}
	}
	sentinels := []struct {
		err  error
		code plivo.Code
	}{
		{plivo.ErrInvalidArgument, plivo.CodeInvalidArgument},
		{plivo.ErrNoActiveStream, plivo.CodeNoActiveStream},
		{plivo.ErrBadRequest, plivo.CodeBadRequest},
		{plivo.ErrAuthentication, plivo.CodeAuthentication},
		{plivo.ErrNotFound, plivo.CodeNotFound},
		{plivo.ErrRateLimited, plivo.CodeRateLimited},
		{plivo.ErrServer, plivo.CodeServer},
		{plivo.ErrHTTP, plivo.CodeHTTP},
		{plivo.ErrTimeout, plivo.CodeTimeout},
		{plivo.ErrTransport, plivo.CodeTransport},
		{plivo.ErrInvalidResponse, plivo.CodeInvalidResponse},
		{plivo.ErrInternal, plivo.CodeInternal},
		{plivo.ErrBusy, plivo.CodeBusy},
		{plivo.ErrCancelled, plivo.CodeCancelled},
	}
	for i, s := range sentinels {
		if int(s.code) != i+1 {
			t.Fatalf("code %v = %d, want %d", s.code, int(s.code), i+1)
		}
		e := &plivo.Error{Code: s.code, HTTPStatus: 400, Message: "x"}
		for j, o := range sentinels {
			if got := errors.Is(e, o.err); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", e, o.err, got)
			}
		}
		if !strings.Contains(s.err.Error(), names[i+1]) {
			t.Errorf("%q does not name %s", s.err.Error(), names[i+1])
		}
	}
	if errors.Is(errors.New("other"), plivo.ErrNotFound) {
		t.Error("a foreign error matched ErrNotFound")
	}
}

func TestStopThenNoActiveStream(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1,S2")
	c := srv.client(t)
	if err := c.StopStream("CA1", "S1"); err != nil {
		t.Fatalf("first stop: %v", err)
	}
	err := c.StopStream("CA1", "S1")
	pe := wantCode(t, err, plivo.ErrNoActiveStream, plivo.CodeNoActiveStream, 400)
	if pe.APIID == "" {
		t.Error("APIID is empty for a 400 with api_id")
	}
	if !strings.Contains(pe.Message, "No active stream found") {
		t.Errorf("Message = %q, want the server's error text", pe.Message)
	}
	// The other stream is untouched.
	if err := c.StopStream("CA1", "S2"); err != nil {
		t.Fatalf("stop S2: %v", err)
	}

	reqs := srv.requests(t)
	if len(reqs) != 3 {
		t.Fatalf("%d requests logged, want 3", len(reqs))
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testAuthID+":"+testAuthToken))
	for _, r := range reqs {
		if r.Method != "DELETE" || !strings.HasPrefix(r.Path, "/v1/Account/"+testAuthID+"/Call/CA1/Stream/S") {
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
		if r.Authorization == nil || *r.Authorization != wantAuth {
			t.Error("request without the expected Basic authorization") // never print it
		}
		if r.UserAgent == nil || !strings.HasPrefix(*r.UserAgent, "libplivo/"+plivo.Version()) {
			t.Errorf("User-Agent = %v", r.UserAgent)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c := srv.client(t, plivo.WithMaxRetries(1))

	t.Run("unknown call", func(t *testing.T) {
		pe := wantCode(t, c.StopStream("NOSUCHCALL", "S1"), plivo.ErrNotFound, plivo.CodeNotFound, 404)
		if pe.APIID == "" {
			t.Error("APIID is empty")
		}
	})
	t.Run("unknown stream", func(t *testing.T) {
		wantCode(t, c.StopStream("CA1", "NOSUCHSTREAM"), plivo.ErrNotFound, plivo.CodeNotFound, 404)
	})
	t.Run("403", func(t *testing.T) {
		wantCode(t, c.StopStream("fault-status403-x", "S1"), plivo.ErrAuthentication, plivo.CodeAuthentication, 403)
	})
	t.Run("503 always", func(t *testing.T) {
		srv.clearRequests(t)
		wantCode(t, c.StopStream("fault-503always-x", "S1"), plivo.ErrServer, plivo.CodeServer, 503)
		if n := len(srv.requests(t)); n != 2 {
			t.Errorf("%d attempts, want 2 (1 + max retries 1)", n)
		}
	})
	t.Run("429", func(t *testing.T) {
		wantCode(t, c.StopStream("fault-429-x", "S1"), plivo.ErrRateLimited, plivo.CodeRateLimited, 429)
	})
	t.Run("garbage", func(t *testing.T) {
		wantCode(t, c.StopStream("fault-garbage-x", "S1"), plivo.ErrInvalidResponse, plivo.CodeInvalidResponse, -1)
	})
	t.Run("other 4xx", func(t *testing.T) {
		wantCode(t, c.StopStream("fault-status405-x", "S1"), plivo.ErrHTTP, plivo.CodeHTTP, 405)
	})
	t.Run("bad request", func(t *testing.T) {
		wantCode(t, c.StopStream("fault-status400-x", "S1"), plivo.ErrBadRequest, plivo.CodeBadRequest, 400)
	})
	t.Run("503 once is retried", func(t *testing.T) {
		if err := c.StopStream("fault-503once-x", "S1"); err != nil {
			t.Fatalf("503 once: %v", err)
		}
	})
	t.Run("stall", func(t *testing.T) {
		fast := srv.client(t, plivo.WithTimeout(300*time.Millisecond))
		start := time.Now()
		wantCode(t, fast.StopStream("fault-stall-x", "S1"), plivo.ErrTimeout, plivo.CodeTimeout, 0)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("timed out after %v, want about 300ms", d)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		bad, err := plivo.NewClient(testAuthID, "wrong-token", plivo.WithBaseURL(srv.BaseURL))
		if err != nil {
			t.Fatal(err)
		}
		defer bad.Close()
		wantCode(t, bad.StopStream("CA1", "S1"), plivo.ErrAuthentication, plivo.CodeAuthentication, 401)
	})
	t.Run("reset", func(t *testing.T) {
		wantCode(t, c.StopAllStreams("fault-reset-x"), plivo.ErrTransport, plivo.CodeTransport, 0)
	})
	t.Run("connection refused", func(t *testing.T) {
		// A loopback port that was just free: nothing listens there.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		refused, err := plivo.NewClient(testAuthID, testAuthToken,
			plivo.WithBaseURL("http://"+addr+"/v1/"), plivo.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		defer refused.Close()
		wantCode(t, refused.StopStream("CA1", "S1"), plivo.ErrTransport, plivo.CodeTransport, 0)
	})
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c := srv.client(t)
	long := strings.Repeat("a", 129)
	cases := []struct{ call, stream string }{
		{"", "S1"},
		{"CA1", ""},
		{"bad id", "S1"},
		{"CA1", "S1/../x"},
		{"CA1", "S1?x=1"},
		{long, "S1"},
		{"CA1", long},
		{"CA1\x00", "S1"},  // NUL: C would see "CA1", a valid id
		{"CA1", "S1\x00x"}, // idem
		{"CA\xff1", "S1"},  // not UTF-8
		{"CAé", "S1"},      // UTF-8 but not in the allowed set
	}
	for _, tc := range cases {
		err := c.StopStream(tc.call, tc.stream)
		pe := wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
		if pe.Message == "" || pe.APIID != "" {
			t.Errorf("StopStream(%q, %q): Message %q, APIID %q", tc.call, tc.stream, pe.Message, pe.APIID)
		}
	}
	for _, call := range []string{"", "bad id", "x\x00", long} {
		wantCode(t, c.StopAllStreams(call), plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
		_, err := c.ListStreams(call)
		wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
		_, err = c.GetStream(call, "S1")
		wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
		_, err = c.StartStream(call, "wss://example.invalid/ws", nil)
		wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
	}
	for _, u := range []string{"", "https://example.invalid/", "not a url", "wss://x\x00y/"} {
		_, err := c.StartStream("CA1", u, nil)
		wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
	}
	bad := []plivo.StreamParams{
		{AudioTrack: "sideways"},
		{Bidirectional: plivo.Bool(true), AudioTrack: "both"},
		{StatusCallbackURL: "ftp://example.invalid/"},
		{StatusCallbackMethod: "PUT"},
		{ContentType: "audio/mp3"},
		{ExtraHeaders: "no equals sign"},
		{StreamTimeout: -1},
		{StreamTimeout: 1 << 40},
		{ExtraHeaders: "X-Tenant=acme"},
		{AudioTrack: "in\x00bound"},
	}
	for _, p := range bad {
		p := p
		_, err := c.StartStream("CA1", "wss://example.invalid/ws", &p)
		wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
	}
	if reqs := srv.requests(t); len(reqs) != 0 {
		for _, r := range reqs {
			t.Errorf("sent %s %s", r.Method, r.Path)
		}
	}
}

func TestNewClientErrors(t *testing.T) {
	t.Setenv("PLIVO_AUTH_ID", "")
	t.Setenv("PLIVO_AUTH_TOKEN", "")
	t.Setenv("PLIVO_BASE_URL", "")
	cases := []struct {
		name     string
		id, tok  string
		opts     []plivo.Option
		contains string
	}{
		{"missing id", "", "tok", nil, "PLIVO_AUTH_ID"},
		{"missing token", "MAID1", "", nil, "PLIVO_AUTH_TOKEN"},
		{"bad id", "MA-ID", "tok", nil, ""},
		{"long id", strings.Repeat("A", 65), "tok", nil, ""},
		{"NUL in id", "MA\x00ID", "tok", nil, "NUL"},
		{"NUL in token", "MAID", "to\x00k", nil, "NUL"},
		{"bad base URL", "MAID", "tok", []plivo.Option{plivo.WithBaseURL("ftp://x/")}, ""},
		{"empty base URL", "MAID", "tok", []plivo.Option{plivo.WithBaseURL("")}, ""},
		{"http non-loopback", "MAID", "tok", []plivo.Option{plivo.WithBaseURL("http://192.0.2.1/v1/")}, ""},
		{"http 0.0.0.0", "MAID", "tok", []plivo.Option{plivo.WithBaseURL("http://0.0.0.0:1/v1/")}, ""},
		{"zero timeout", "MAID", "tok", []plivo.Option{plivo.WithTimeout(0)}, ""},
		{"huge timeout", "MAID", "tok", []plivo.Option{plivo.WithTimeout(601 * time.Second)}, ""},
		{"negative connect timeout", "MAID", "tok", []plivo.Option{plivo.WithConnectTimeout(-time.Second)}, ""},
		{"retries", "MAID", "tok", []plivo.Option{plivo.WithMaxRetries(11)}, ""},
		{"negative retries", "MAID", "tok", []plivo.Option{plivo.WithMaxRetries(-1)}, ""},
		{"bad proxy", "MAID", "tok", []plivo.Option{plivo.WithProxy("socks5://127.0.0.1:1")}, ""},
		{"missing CA file", "MAID", "tok", []plivo.Option{plivo.WithCAFile("/nonexistent/ca.pem")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := plivo.NewClient(tc.id, tc.tok, tc.opts...)
			if c != nil {
				t.Fatal("got a client")
			}
			pe := wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
			if !strings.Contains(pe.Message, tc.contains) {
				t.Errorf("Message %q does not contain %q", pe.Message, tc.contains)
			}
			if strings.Contains(err.Error(), "tok") && tc.tok != "" && strings.Contains(err.Error(), tc.tok) {
				t.Error("the error contains the token")
			}
		})
	}
	// Accepted options (nothing is sent at construction).
	c, err := plivo.NewClient("MAID", "tok",
		plivo.WithBaseURL("http://192.0.2.1/v1/"), plivo.WithAllowInsecureHTTP(true),
		plivo.WithTimeout(1500*time.Microsecond), plivo.WithConnectTimeout(time.Second),
		plivo.WithMaxRetries(0), plivo.WithProxy("http://127.0.0.1:3128"))
	if err != nil {
		t.Fatalf("valid options: %v", err)
	}
	_ = c.Close()
	// Given twice, the last one wins: a refused value replaced by a later one is not an
	// error, and a nil Option is ignored.
	c, err = plivo.NewClient("MAID", "tok", plivo.WithTimeout(0), plivo.WithMaxRetries(-1),
		plivo.WithBaseURL("ftp://x/"), nil, plivo.WithMaxInFlight(0), plivo.WithTimeout(time.Second),
		plivo.WithMaxRetries(1), plivo.WithBaseURL("http://127.0.0.1:9/v1/"), plivo.WithMaxInFlight(2))
	if err != nil {
		t.Fatalf("options given twice: %v", err)
	}
	_ = c.Close()
	_, err = plivo.NewClient("MAID", "tok", plivo.WithTimeout(time.Second), plivo.WithTimeout(0))
	wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
}

func TestEnvironmentCredentials(t *testing.T) {
	srv := startServer(t, nil, "CAENV:S1,S2")
	t.Setenv("PLIVO_AUTH_ID", testAuthID)
	t.Setenv("PLIVO_AUTH_TOKEN", testAuthToken)
	t.Setenv("PLIVO_BASE_URL", srv.BaseURL)

	c, err := plivo.NewClient("", "") // everything from the environment
	if err != nil {
		t.Fatalf("NewClient from the environment: %v", err)
	}
	defer c.Close()
	if err := c.StopStream("CAENV", "S1"); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// An explicit value wins over the environment.
	t.Setenv("PLIVO_AUTH_TOKEN", "not-the-token")
	c2, err := plivo.NewClient("", testAuthToken)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.StopStream("CAENV", "S2"); err != nil {
		t.Fatalf("stop with an explicit token: %v", err)
	}
	// The environment token is used when the argument is empty.
	c3, err := plivo.NewClient(testAuthID, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	wantCode(t, c3.StopStream("CAENV", "S2"), plivo.ErrAuthentication, plivo.CodeAuthentication, 401)
	// The environment is read at construction: c still has the right token.
	wantCode(t, c.StopStream("CAENV", "S2"), plivo.ErrNoActiveStream, plivo.CodeNoActiveStream, 400)
}

func TestStartGetListStopAll(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c := srv.client(t)

	id, err := c.StartStream("CA1", "wss://example.invalid/ws", &plivo.StreamParams{
		Bidirectional:        plivo.Bool(true),
		AudioTrack:           "inbound",
		StatusCallbackURL:    "https://example.invalid/status",
		StatusCallbackMethod: "GET",
		ContentType:          "audio/x-mulaw;rate=8000",
		ExtraHeaders:         "tenant=acme,kind=ivr",
		StreamTimeout:        86401,
		CxBot:                plivo.Bool(true),
	})
	if err != nil {
		t.Fatalf("StartStream: %v", err)
	}
	if id == "" {
		t.Fatal("empty stream id")
	}
	reqs := srv.requests(t)
	last := reqs[len(reqs)-1]
	if last.Method != "POST" || last.Path != "/v1/Account/"+testAuthID+"/Call/CA1/Stream/" || last.Body == nil {
		t.Fatalf("start sent %s %s", last.Method, last.Path)
	}
	var body map[string]interface{}
	if err := json.Unmarshal([]byte(*last.Body), &body); err != nil {
		t.Fatalf("start body is not JSON: %v", err)
	}
	if body["service_url"] != "wss://example.invalid/ws" || body["audio_track"] != "inbound" ||
		body["content_type"] != "audio/x-mulaw;rate=8000" || body["extra_headers"] != "tenant=acme,kind=ivr" ||
		body["stream_timeout"] != float64(86401) || body["cx_bot"] != true {
		t.Errorf("start body = %v", body)
	}

	// Default parameters: nil and an empty struct.
	id2, err := c.StartStream("CA1", "ws://127.0.0.1:9/ws", nil)
	if err != nil {
		t.Fatalf("StartStream(nil params): %v", err)
	}
	id3, err := c.StartStream("CA1", "wss://example.invalid/other", &plivo.StreamParams{})
	if err != nil {
		t.Fatalf("StartStream(empty params): %v", err)
	}
	if id2 == id || id3 == id2 {
		t.Fatal("stream ids are not distinct")
	}

	s, err := c.GetStream("CA1", id)
	if err != nil {
		t.Fatalf("GetStream: %v", err)
	}
	if s.StreamID != id || s.CallUUID != "CA1" || s.ServiceURL != "wss://example.invalid/ws" ||
		s.Status != "In-Progress" || !s.Bidirectional || s.AudioTrack != "inbound" ||
		s.PlivoAuthID != testAuthID ||
		s.StatusCallbackURL != "https://example.invalid/status" || s.APIID == "" || s.EndTime != "" {
		t.Errorf("GetStream = %+v", *s)
	}
	var raw map[string]interface{}
	if err := json.Unmarshal(s.Raw, &raw); err != nil || raw["stream_id"] != id {
		t.Errorf("Raw = %s (%v)", s.Raw, err)
	}

	_, err = c.GetStream("CA1", "NOSUCH")
	wantCode(t, err, plivo.ErrNotFound, plivo.CodeNotFound, 404)

	l, err := c.ListStreams("CA1")
	if err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	if l.Meta.TotalCount != 4 || l.Meta.Count != 4 || len(l.Objects) != 4 || l.APIID == "" {
		t.Fatalf("ListStreams: meta %+v, %d objects, api_id %q", l.Meta, len(l.Objects), l.APIID)
	}
	seen := map[string]bool{}
	for _, o := range l.Objects {
		seen[o.StreamID] = true
		if o.Status != "In-Progress" || len(o.Raw) == 0 {
			t.Errorf("object %+v", o)
		}
	}
	for _, want := range []string{"S1", id, id2, id3} {
		if !seen[want] {
			t.Errorf("stream %s not listed", want)
		}
	}

	if err := c.StopAllStreams("CA1"); err != nil {
		t.Fatalf("StopAllStreams: %v", err)
	}
	wantCode(t, c.StopAllStreams("CA1"), plivo.ErrNoActiveStream, plivo.CodeNoActiveStream, 400)
	wantCode(t, c.StopStream("CA1", id2), plivo.ErrNoActiveStream, plivo.CodeNoActiveStream, 400)
	s, err = c.GetStream("CA1", id)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "Stopped" || s.EndTime == "" {
		t.Errorf("after stop all: status %q, end_time %q", s.Status, s.EndTime)
	}
	wantCode(t, c.StopAllStreams("NOSUCHCALL"), plivo.ErrNotFound, plivo.CodeNotFound, 404)
	_, err = c.ListStreams("NOSUCHCALL")
	wantCode(t, err, plivo.ErrNotFound, plivo.CodeNotFound, 404)
	_, err = c.StartStream("NOSUCHCALL", "wss://example.invalid/ws", nil)
	wantCode(t, err, plivo.ErrNotFound, plivo.CodeNotFound, 404)

	// A 2xx body that is not the JSON expected.
	_, err = c.GetStream("fault-badjson200-x", "S1")
	wantCode(t, err, plivo.ErrInvalidResponse, plivo.CodeInvalidResponse, -1)
	_, err = c.ListStreams("fault-badjson200-x")
	wantCode(t, err, plivo.ErrInvalidResponse, plivo.CodeInvalidResponse, -1)
	_, err = c.StartStream("fault-badjson200-x", "wss://example.invalid/ws", nil)
	wantCode(t, err, plivo.ErrInvalidResponse, plivo.CodeInvalidResponse, -1)
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1")
	c, err := plivo.NewClient(testAuthID, testAuthToken, plivo.WithBaseURL(srv.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.StopStream("CA1", "S1"), plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
	_, err = c.GetStream("CA1", "S1")
	wantCode(t, err, plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
	if n := len(srv.requests(t)); n != 0 {
		t.Fatalf("%d requests sent by a closed client", n)
	}
	var nilClient *plivo.Client
	if err := nilClient.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, nilClient.StopStream("CA1", "S1"), plivo.ErrInvalidArgument, plivo.CodeInvalidArgument, 0)
}

// Clients dropped without Close are freed by the finalizer (no crash, no double free
// with a later Close).
func TestFinalizer(t *testing.T) {
	for i := 0; i < 100; i++ {
		c, err := plivo.NewClient("MAID", "tok", plivo.WithBaseURL("http://127.0.0.1:9/v1/"))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			_ = c.Close()
		}
	}
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
}

func TestKeepAlive(t *testing.T) {
	srv := startServer(t, nil, "CA1:S1,S2,S3")
	c := srv.client(t)
	for _, s := range []string{"S1", "S2", "S3"} {
		if err := c.StopStream("CA1", s); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.requests(t)
	if len(reqs) != 3 || reqs[0].Conn != reqs[2].Conn {
		t.Errorf("sequential calls did not reuse one connection: %d requests", len(reqs))
	}
}
