// Package plivo is the Go binding of libplivo, a C library for Plivo's Audio Stream
// API: stop, start, get and list the audio streams of live calls.
//
// It uses cgo and links libplivo through pkg-config (package "plivo"): install the
// library (libplivo.so, plivo.h, plivo.pc) or point PKG_CONFIG_PATH at a plivo.pc.
//
//	client, err := plivo.NewClient("", "") // PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN
//	if err != nil { ... }
//	defer client.Close()
//	err = client.StopStream(callUUID, streamUUID)
//	if err != nil && !errors.Is(err, plivo.ErrNoActiveStream) { ... }
//
// Every failure is an *Error carrying the libplivo result code, the HTTP status,
// the api_id and the library's message. A Client is safe for concurrent use.
//
// libplivo keeps its last-error state per OS thread, and a goroutine may change OS
// threads between two cgo calls; so this package makes each operation, and the
// reading of its error state, in one single cgo call. Callers need no
// runtime.LockOSThread.
package plivo
