package plivo_test

// Golden fixtures (../../tests/fixtures: Plivo's documented and recorded answers and
// their variants) through the bundled server and a real socket: the typed views read
// every value of expected.json.

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	plivo "github.com/libplivo/libplivo/bindings/go"
)

var fixtureDir = filepath.Join("..", "..", "tests", "fixtures")

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// expected.json: null means absent, which the Go views report as the zero value.
func zeroForNull(v interface{}, zero interface{}) interface{} {
	if v == nil {
		return zero
	}
	return v
}

func wantStream(m map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range m {
		switch k {
		case "bill_duration", "rounded_bill_duration":
			out[k] = zeroForNull(v, float64(0))
		case "bidirectional":
			out[k] = zeroForNull(v, false)
		default:
			out[k] = zeroForNull(v, "")
		}
	}
	return out
}

func gotStream(s plivo.Stream) map[string]interface{} {
	return map[string]interface{}{
		"stream_id":             s.StreamID,
		"api_id":                s.APIID,
		"call_uuid":             s.CallUUID,
		"plivo_auth_id":         s.PlivoAuthID,
		"status":                s.Status,
		"service_url":           s.ServiceURL,
		"audio_track":           s.AudioTrack,
		"bidirectional":         s.Bidirectional,
		"status_callback_url":   s.StatusCallbackURL,
		"created_at":            s.CreatedAt,
		"start_time":            s.StartTime,
		"end_time":              s.EndTime,
		"bill_duration":         float64(s.BillDuration),
		"rounded_bill_duration": float64(s.RoundedBillDuration),
		"billed_amount":         s.BilledAmount,
		"resource_uri":          s.ResourceURI,
	}
}

func TestEveryFixtureThroughTheTypedViews(t *testing.T) {
	srv := startServer(t, nil)
	c := srv.client(t, plivo.WithMaxRetries(0))
	var expected map[string]map[string]interface{}
	if err := json.Unmarshal([]byte(readFixture(t, "expected.json")), &expected); err != nil {
		t.Fatal(err)
	}
	if len(expected) < 13 {
		t.Fatalf("expected.json lists %d fixtures", len(expected))
	}
	for name, want := range expected {
		body := readFixture(t, name)
		queue := func(status int) {
			srv.admin(t, "POST", "/__admin/replies/", map[string]interface{}{"status": status, "body": body})
		}
		switch want["kind"] {
		case "stream":
			queue(200)
			s, err := c.GetStream("call-f", "s1")
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got, w := gotStream(*s), wantStream(want["stream"].(map[string]interface{})); !reflect.DeepEqual(got, w) {
				t.Errorf("%s:\n got %v\nwant %v", name, got, w)
			}
			if string(s.Raw) != body && string(s.Raw)+"\n" != body {
				t.Errorf("%s: Raw is not the body", name)
			}
		case "list":
			queue(200)
			l, err := c.ListStreams("call-f")
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wm := want["meta"].(map[string]interface{})
			gm := map[string]interface{}{
				"total_count": float64(l.Meta.TotalCount), "limit": float64(l.Meta.Limit),
				"offset": float64(l.Meta.Offset), "next": l.Meta.Next, "previous": l.Meta.Previous,
			}
			wm["next"], wm["previous"] = zeroForNull(wm["next"], ""), zeroForNull(wm["previous"], "")
			if !reflect.DeepEqual(gm, wm) || l.Meta.Count != l.Meta.TotalCount {
				t.Errorf("%s: meta %+v, want %v", name, l.Meta, wm)
			}
			if l.APIID != zeroForNull(want["api_id"], "") {
				t.Errorf("%s: api_id %q", name, l.APIID)
			}
			objects := want["objects"].([]interface{})
			if len(l.Objects) != len(objects) {
				t.Fatalf("%s: %d objects, want %d", name, len(l.Objects), len(objects))
			}
			for i, o := range objects {
				if got, w := gotStream(l.Objects[i]), wantStream(o.(map[string]interface{})); !reflect.DeepEqual(got, w) {
					t.Errorf("%s[%d]:\n got %v\nwant %v", name, i, got, w)
				}
			}
		case "start":
			queue(202)
			id, err := c.StartStream("call-f", "wss://m.example/x", nil)
			if err != nil || id != want["stream_id"] {
				t.Errorf("%s: %q, %v", name, id, err)
			}
		case "stop_error":
			queue(400)
			err := c.StopStream("call-f", "s1")
			var e *plivo.Error
			if !errors.Is(err, plivo.ErrNoActiveStream) || !errors.As(err, &e) ||
				e.HTTPStatus != 400 || e.APIID != want["api_id"] {
				t.Errorf("%s: %v", name, err)
			}
		default:
			t.Fatalf("%s: kind %v", name, want["kind"])
		}
	}
}
