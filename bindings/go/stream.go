package plivo

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Stream is one audio stream as the API describes it (GetStream, ListStreams).
//
// The common fields are decoded leniently: a field that is missing, null or of an
// unexpected JSON type is left at its zero value rather than failing the call, and
// numbers given as strings (or strings given as numbers) are accepted. Raw holds the
// stream's complete JSON object, for fields not listed here; decode it with
// encoding/json if you need them.
type Stream struct {
	StreamID            string // "stream_id"
	CallUUID            string // "call_uuid"
	PlivoAuthID         string // "plivo_auth_id"
	Status              string // "status", e.g. "initiated"
	ServiceURL          string // "service_url"
	AudioTrack          string // "audio_track"
	Bidirectional       bool   // "bidirectional"
	StatusCallbackURL   string // "status_callback_url"; "" when none was set
	CreatedAt           string // "created_at", UTC with microseconds, as sent
	StartTime           string // "start_time", e.g. "2023-06-26 08:14:29+05:30"; empty before the stream runs
	EndTime             string // "end_time"; empty while the stream is active
	BillDuration        int64  // "bill_duration", seconds
	RoundedBillDuration int64  // "rounded_bill_duration", seconds (a number or a numeric string)
	BilledAmount        string // "billed_amount", decimal text (a string or a number)
	ResourceURI         string // "resource_uri"
	APIID               string // "api_id" (GetStream only; list objects have none)
	Raw                 json.RawMessage

	// Deprecated: Plivo's stream object has no "content_type"; always empty against
	// the real API (read from Raw if a server sends it).
	ContentType string
	// Deprecated: Plivo's stream object has no "stream_timeout"; always 0 against it.
	StreamTimeout int64
	// Deprecated: Plivo's stream object has no "error_code"; always empty against it.
	ErrorCode string
	// Deprecated: Plivo's stream object has no "error_message"; always empty against it.
	ErrorMessage string
}

// ListMeta is the "meta" object of a stream list.
type ListMeta struct {
	// TotalCount is the number of streams in all pages: "total_count", else the 2022
	// beta's "count", else 0.
	TotalCount int64
	// Deprecated: the same value as TotalCount (kept for code written against "count").
	Count    int64
	Limit    int64  // "limit"
	Offset   int64  // "offset"
	Next     string // "next": URI of the next page, empty when none
	Previous string // "previous"
}

// StreamList is the answer of ListStreams. Raw holds the whole response body.
type StreamList struct {
	APIID   string
	Meta    ListMeta
	Objects []Stream
	Raw     json.RawMessage
}

type object map[string]json.RawMessage

func decodeObject(b []byte) (object, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, false
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, false
	}
	return o, true
}

// str returns a JSON string, or a number's literal text; "" otherwise.
func (o object) str(key string) string {
	v := bytes.TrimSpace(o[key])
	if len(v) == 0 {
		return ""
	}
	switch {
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// int returns a JSON number or numeric string as an int64 (fractions truncated);
// 0 otherwise.
func (o object) int(key string) int64 {
	s := o.str(key)
	if s == "" {
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9e18 && f <= 9e18 {
		return int64(f)
	}
	return 0
}

// present reports whether key is there with a value other than null.
func (o object) present(key string) bool {
	v := bytes.TrimSpace(o[key])
	return len(v) > 0 && !bytes.Equal(v, []byte("null"))
}

// bool returns a JSON boolean, or "true"/"false" text; false otherwise.
func (o object) bool(key string) bool {
	v := bytes.TrimSpace(o[key])
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b
	}
	b, _ = strconv.ParseBool(o.str(key))
	return b
}

func streamFrom(o object, raw []byte) Stream {
	return Stream{
		StreamID:            o.str("stream_id"),
		CallUUID:            o.str("call_uuid"),
		PlivoAuthID:         o.str("plivo_auth_id"),
		Status:              o.str("status"),
		ServiceURL:          o.str("service_url"),
		AudioTrack:          o.str("audio_track"),
		Bidirectional:       o.bool("bidirectional"),
		ContentType:         o.str("content_type"),
		StreamTimeout:       o.int("stream_timeout"),
		StatusCallbackURL:   o.str("status_callback_url"),
		CreatedAt:           o.str("created_at"),
		StartTime:           o.str("start_time"),
		EndTime:             o.str("end_time"),
		BillDuration:        o.int("bill_duration"),
		RoundedBillDuration: o.int("rounded_bill_duration"),
		BilledAmount:        o.str("billed_amount"),
		ErrorCode:           o.str("error_code"),
		ErrorMessage:        o.str("error_message"),
		ResourceURI:         o.str("resource_uri"),
		APIID:               o.str("api_id"),
		Raw:                 append(json.RawMessage(nil), bytes.TrimSpace(raw)...),
	}
}

func invalidResponse(what string, status int) error {
	return &Error{Code: CodeInvalidResponse, HTTPStatus: status, Message: what}
}

func parseStream(body []byte, status int) (*Stream, error) {
	o, ok := decodeObject(body)
	if !ok {
		return nil, invalidResponse("get stream: the response body is not a JSON object", status)
	}
	s := streamFrom(o, body)
	return &s, nil
}

func parseStreamList(body []byte, status int) (*StreamList, error) {
	o, ok := decodeObject(body)
	if !ok {
		return nil, invalidResponse("list streams: the response body is not a JSON object", status)
	}
	l := &StreamList{
		APIID: o.str("api_id"),
		Raw:   append(json.RawMessage(nil), bytes.TrimSpace(body)...),
	}
	if m, ok := decodeObject(o["meta"]); ok {
		total := m.int("total_count")
		if !m.present("total_count") {
			total = m.int("count")
		}
		l.Meta = ListMeta{
			TotalCount: total,
			Count:      total,
			Limit:      m.int("limit"),
			Offset:     m.int("offset"),
			Next:       m.str("next"),
			Previous:   m.str("previous"),
		}
	}
	if v := bytes.TrimSpace(o["objects"]); len(v) > 0 && !bytes.Equal(v, []byte("null")) {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return nil, invalidResponse("list streams: \"objects\" is not a JSON array", status)
		}
		l.Objects = make([]Stream, 0, len(items))
		for _, it := range items {
			so, ok := decodeObject(it)
			if !ok {
				return nil, invalidResponse("list streams: an element of \"objects\" is not a JSON object", status)
			}
			l.Objects = append(l.Objects, streamFrom(so, it))
		}
	}
	return l, nil
}
