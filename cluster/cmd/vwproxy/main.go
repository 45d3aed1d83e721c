// Command vwproxy is a small round-robin reverse proxy in front of several
// veriwallet replicas, for a local cluster (scripts/cluster.sh) and tests;
// in production, use nginx or Caddy (deploy/).
//
//	vwproxy -listen 127.0.0.1:8080 http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/veriwallet/veriwallet/cluster"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	p, err := cluster.NewProxy(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "vwproxy:", err)
		fmt.Fprintln(os.Stderr, "usage: vwproxy [-listen ADDR] BACKEND_URL...")
		os.Exit(2)
	}
	p.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	fmt.Printf("vwproxy listening on http://%s → %v\n", *listen, flag.Args())
	srv := &http.Server{Addr: *listen, Handler: p, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "vwproxy:", err)
		os.Exit(1)
	}
}
