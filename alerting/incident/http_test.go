package incident

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestHTTPAnswer(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		body       string
		wantNil    bool
		rejected   bool
		wait       time.Duration
		msg        string
	}{
		{name: "ok", code: 200, wantNil: true},
		{name: "accepted", code: 202, wantNil: true},
		{name: "bad request is not retried", code: 400, body: "{\"code\":400,\n \"message\":\"labels invalid\"}", rejected: true, msg: `http 400: {"code":400, "message":"labels invalid"}`},
		{name: "unauthorized is not retried", code: 401, rejected: true, msg: "http 401"},
		{name: "a redirect is not followed", code: 307, rejected: true},
		{name: "rate limited waits its Retry-After", code: 429, retryAfter: "7", wait: 7 * time.Second},
		{name: "an HTTP-date", code: 503, retryAfter: now.Add(time.Minute).Format(http.TimeFormat), wait: time.Minute},
		{name: "a server error backs off as usual", code: 500},
		{name: "a request timeout is retried", code: 408},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.code, Header: http.Header{}, Body: http.NoBody}
			if tt.retryAfter != "" {
				resp.Header.Set("Retry-After", tt.retryAfter)
			}
			if tt.body != "" {
				resp.Body = readCloser{strings.NewReader(tt.body)}
			}
			err := HTTPAnswer(resp, now)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("HTTPAnswer = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("HTTPAnswer = nil, want an error")
			}
			if got := IsRejected(err); got != tt.rejected {
				t.Errorf("IsRejected = %t, want %t (%v)", got, tt.rejected, err)
			}
			if got := RetryAfterOf(err); got != tt.wait {
				t.Errorf("RetryAfterOf = %s, want %s", got, tt.wait)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("error %q, want %q", err, tt.msg)
			}
		})
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "-3": 0, "30": 30 * time.Second, "99999": maxRetryAfter, "soon": 0,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
		now.Add(time.Hour).Format(http.TimeFormat):        maxRetryAfter,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		" 2 ": 2 * time.Second,
	} {
		if got := ParseRetryAfter(v, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "9999999999999999999"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, v string) {
		if d := ParseRetryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("ParseRetryAfter(%q) = %s, outside [0, %s]", v, d, maxRetryAfter)
		}
	})
}
