package plivo

// The With* options name the plivo_options_set_* function they apply (cgo.go's
// stringOption and its kin call it, in gplivo_client_new).

/*
#include "plivo.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
)

// config is what the options gave: for each setting, the step that applies the last
// value given for it, in the order the settings were first given. NewClient runs the
// steps (clientSetup, cgo.go); nothing is checked before that.
type config struct {
	steps []optionStep
}

// optionStep applies one setting to a clientSetup, or returns the error of a value
// refused in Go. key names the setting: a later option with the same key replaces it.
type optionStep struct {
	key   string
	apply func(*clientSetup) error
}

// option is the Option recording step under key (last one wins).
func option(key string, apply func(*clientSetup) error) Option {
	return func(c *config) {
		for i := range c.steps {
			if c.steps[i].key == key {
				c.steps[i].apply = apply
				return
			}
		}
		c.steps = append(c.steps, optionStep{key: key, apply: apply})
	}
}

// Option configures NewClient. Each maps to one plivo_options_set_* function; values
// are checked by the library when the client is created, and a refused value makes
// NewClient return an *Error with CodeInvalidArgument. When an option is given twice
// the last one wins.
type Option func(*config)

// WithBaseURL sets the API base URL (default: $PLIVO_BASE_URL when set and not empty,
// else https://api.plivo.com/v1/). It must be an absolute http:// or https:// URL;
// plain http:// is accepted only for loopback hosts unless WithAllowInsecureHTTP(true).
func WithBaseURL(url string) Option {
	return stringOption("base_url", C.plivo_options_set_base_url, url)
}

// WithTimeout sets the deadline of each whole call, retries and back-off included
// (default 10 s, 1 ms–600 s; rounded up to whole milliseconds).
func WithTimeout(d time.Duration) Option {
	return uint32Option("timeout_ms", C.plivo_options_set_timeout_ms, millis(d))
}

// WithConnectTimeout bounds each TCP/TLS connect (default 3 s, 1 ms–600 s; rounded up
// to whole milliseconds). It never stretches a call past its deadline.
func WithConnectTimeout(d time.Duration) Option {
	return uint32Option("connect_timeout_ms", C.plivo_options_set_connect_timeout_ms, millis(d))
}

// WithMaxRetries sets the number of attempts after the first (default 2, 0–10).
// Connect failures and 429 are retried for every operation, 5xx for stop/get/list.
func WithMaxRetries(n int) Option {
	if n < 0 { // uint32 in C: refused here, not wrapped around
		return refusedOption("max_retries", "max_retries must not be negative")
	}
	return uint32Option("max_retries", C.plivo_options_set_max_retries, clampU32(n))
}

// WithProxy sends requests through an HTTP CONNECT proxy,
// http://[user:password@]host:port. It disables the proxy environment variables.
func WithProxy(url string) Option {
	return stringOption("proxy", C.plivo_options_set_proxy, url)
}

// WithCAFile trusts the certificates of this PEM file instead of the bundled Mozilla
// roots. The file is read when the client is created.
func WithCAFile(pemPath string) Option {
	return stringOption("ca_file", C.plivo_options_set_ca_file, pemPath)
}

// WithAllowInsecureHTTP allows plain http:// base URLs to non-loopback hosts
// (credentials then travel in clear text: for test networks only).
func WithAllowInsecureHTTP(allow bool) Option {
	return boolOption("allow_insecure_http", C.plivo_options_set_allow_insecure_http, allow)
}

// Client is a Plivo Audio Stream API client backed by a libplivo PlivoClient.
//
// It is safe for concurrent use by many goroutines, which share its keep-alive
// connection pool; create one and keep it. Close frees it; Close waits for calls in
// flight to finish, and calls made after Close fail with CodeInvalidArgument.
type Client struct {
	mu  sync.RWMutex // read-held by every call, write-held by Close
	p   *cClient
	ext clientExt // queue.go: the completion queue and the log handle
}

// NewClient creates a client. An empty authID or authToken is read from the
// environment variables PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN (by the library, when the
// client is created). Nothing is sent over the network. Failures (missing
// credentials, malformed auth id, refused option) are *Error values, mostly
// CodeInvalidArgument.
func NewClient(authID, authToken string, opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	c := &Client{}
	p, err := newClient(authID, authToken, cfg.steps, &c.ext)
	if err != nil {
		return nil, err
	}
	c.p = p
	runtime.SetFinalizer(c, func(c *Client) { _ = c.Close() })
	return c, nil
}

// Close frees the client and its connections. It waits for calls in flight on other
// goroutines, is idempotent, and always returns nil. A client that is not closed is
// freed by a finalizer when it becomes unreachable, but call Close to release its
// connections promptly.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	p := c.p
	c.p = nil
	ext := c.ext.detach()
	c.mu.Unlock()
	ext.closeQueue() // before the client: no reader left, then plivo_queue_free
	if p != nil {
		freeClient(p)
		runtime.SetFinalizer(c, nil)
	}
	ext.release() // the log handle, once the client and its queue are freed
	return nil
}

// acquire read-locks the client and returns its handle, or an error when closed.
// The caller must call c.mu.RUnlock() when err is nil.
func (c *Client) acquire() (*cClient, error) {
	if c == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "nil client"}
	}
	c.mu.RLock()
	if c.p == nil {
		c.mu.RUnlock()
		return nil, &Error{Code: CodeInvalidArgument, Message: "client is closed"}
	}
	return c.p, nil
}

// StopStream stops one audio stream of a live call (DELETE .../Call/{call}/Stream/{stream}/).
//
// It returns nil on any 2xx; an *Error matching ErrNoActiveStream (HTTP 400) when the
// stream was already stopped — treat it as success if stop is idempotent for you —;
// ErrInvalidArgument (nothing sent) for an id that is not 1–128 characters of
// A-Z a-z 0-9 - _; or another *Error. Blocks for at most the client's timeout.
func (c *Client) StopStream(callUUID, streamUUID string) error {
	p, err := c.acquire()
	if err != nil {
		return err
	}
	defer c.mu.RUnlock()
	return stopStream(p, callUUID, streamUUID)
}

// StopAllStreams stops every active stream of a call (DELETE .../Call/{call}/Stream/).
// ErrNoActiveStream when the call had none.
func (c *Client) StopAllStreams(callUUID string) error {
	p, err := c.acquire()
	if err != nil {
		return err
	}
	defer c.mu.RUnlock()
	return stopAllStreams(p, callUUID)
}

// StreamParams are the optional parameters of StartStream. Zero values (nil, "", 0)
// leave the API's default; every set value is validated by the library before
// anything is sent (a refused value is ErrInvalidArgument).
type StreamParams struct {
	// Bidirectional lets the service send audio back (API default false); a
	// bidirectional stream must use AudioTrack "inbound".
	Bidirectional *bool
	// AudioTrack is "inbound" (API default), "outbound" or "both".
	AudioTrack string
	// StatusCallbackURL receives stream status events (absolute http(s) URL).
	StatusCallbackURL string
	// StatusCallbackMethod is "GET" or "POST" (API default).
	StatusCallbackMethod string
	// ContentType is "audio/x-l16;rate=8000" (API default), "audio/x-l16;rate=16000"
	// or "audio/x-mulaw;rate=8000".
	ContentType string
	// ExtraHeaders are key=value pairs joined by commas ("tenant=acme,kind=ivr"), at
	// most 512 bytes, keys and values of A-Z a-z 0-9 only (as Plivo documents).
	ExtraHeaders string
	// StreamTimeout is the stream's maximum duration in seconds, any positive number up
	// to 4294967295 (API default 86400; no documented maximum); 0 leaves the default, a
	// negative or larger value is ErrInvalidArgument.
	StreamTimeout int
	// CxBot sets cx_bot (undocumented; sent by Plivo's own SDKs); nil leaves it unsent.
	CxBot *bool
}

// Bool returns a pointer to b, for StreamParams.Bidirectional and CxBot.
func Bool(b bool) *bool { return &b }

// StartStream starts streaming a call's audio to a WebSocket service (ws:// or wss://)
// and returns the new stream's id (POST .../Call/{call}/Stream/). p may be nil.
// A 2xx answer without a string stream_id is ErrInvalidResponse. Not retried on 5xx
// (the stream may have started).
func (c *Client) StartStream(callUUID, serviceURL string, p *StreamParams) (string, error) {
	h, err := c.acquire()
	if err != nil {
		return "", err
	}
	defer c.mu.RUnlock()
	return startStream(h, callUUID, serviceURL, p)
}

// GetStream returns the details of one stream (GET .../Call/{call}/Stream/{stream}/):
// the common fields decoded into a Stream, and the whole response body in Stream.Raw.
func (c *Client) GetStream(callUUID, streamUUID string) (*Stream, error) {
	p, err := c.acquire()
	if err != nil {
		return nil, err
	}
	body, status, err := getStream(p, callUUID, streamUUID)
	c.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return parseStream([]byte(body), status)
}

// ListStreams returns a call's streams (GET .../Call/{call}/Stream/): the decoded
// meta and objects, and the whole response body in StreamList.Raw.
func (c *Client) ListStreams(callUUID string) (*StreamList, error) {
	p, err := c.acquire()
	if err != nil {
		return nil, err
	}
	body, status, err := listStreams(p, callUUID)
	c.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return parseStreamList([]byte(body), status)
}
