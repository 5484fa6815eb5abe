package daemon

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// Endpoints are what the web server serves beside the landing page.
type Endpoints struct {
	// Telemetry is the metrics path (--web.telemetry-path).
	Telemetry string
	Metrics   http.Handler
	// Ready reports whether the process is ready to be scraped: the first
	// scrape cycle has finished (and discovery has synced).
	Ready func() error
	// Reload re-reads the configuration (POST /-/reload); nil: none.
	Reload func() error
	// Status serves /, /ui/ and /api/v1/ (Daemon.Status); nil: a
	// landing page at / and nothing else.
	Status http.Handler
	// WebConfigFile is the exporter-toolkit web configuration: TLS and
	// basic auth for every path; "" serves plain HTTP.
	WebConfigFile string
	// Pprof serves Go's profiles under /debug/pprof/ (--web.enable-pprof),
	// so that a user can attach a CPU or heap profile to a performance
	// report; off by default, as it exposes the process's internals.
	Pprof bool
}

// Server serves /metrics, /healthz, /readyz, /-/reload and the status
// pages (or a landing page).
type Server struct {
	srv       *http.Server
	ln        net.Listener
	log       *slog.Logger
	webConfig string
}

// NewServer listens on listen; Run serves. A web configuration that does
// not load is an error here, before anything listens.
func NewServer(listen string, ep Endpoints, log *slog.Logger) (*Server, error) {
	if ep.WebConfigFile != "" {
		if err := web.Validate(ep.WebConfigFile); err != nil {
			return nil, fmt.Errorf("--web.config.file %s: %w", ep.WebConfigFile, err)
		}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", listen, err)
	}
	telemetry, ready := ep.Telemetry, ep.Ready
	mux := http.NewServeMux()
	mux.Handle(telemetry, ep.Metrics)
	if ep.Reload != nil {
		mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost && r.Method != http.MethodPut {
				w.Header().Set("Allow", "POST, PUT")
				http.Error(w, "use POST to reload the configuration", http.StatusMethodNotAllowed)
				return
			}
			if err := ep.Reload(); err != nil {
				http.Error(w, "reload failed: "+err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintln(w, "reloaded")
		})
	}
	if ep.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", landingOr(ep.Status, telemetry))
	return &Server{
		srv:       &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute},
		ln:        ln,
		log:       log,
		webConfig: ep.WebConfigFile,
	}, nil
}

// landingOr is the status pages when there are, else the landing page.
func landingOr(status http.Handler, telemetry string) http.Handler {
	if status != nil {
		return status
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = landing.Execute(w, telemetry)
	})
}

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html><head><title>flinkslo</title></head><body>
<h1>flinkslo</h1><p>Health, checkpoint progress and failure routing for Apache Flink jobs.</p>
<ul><li><a href="{{.}}">Metrics</a></li><li><a href="/healthz">Health</a></li><li><a href="/readyz">Readiness</a></li></ul>
</body></html>
`))

// serve serves plain HTTP, or through exporter-toolkit with the web
// configuration: TLS and basic auth then guard every path, /metrics and
// the health endpoints included, as in Prometheus's own exporters.
func (s *Server) serve() error {
	if s.webConfig == "" {
		return s.srv.Serve(s.ln)
	}
	return web.Serve(s.ln, s.srv, &web.FlagConfig{WebConfigFile: &s.webConfig}, s.log)
}

// Addr is the address actually listened on (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down within a bounded time.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.serve() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
