// Command vwcluster runs a local veriwallet cluster in one command (what
// scripts/cluster.sh starts): a database on the PostgreSQL given (created
// when missing), a versitygw S3 server for the blobs (when installed:
// scripts/setup.sh --test; else a shared folder), N `veriwallet serve`
// replicas sharing one key file, and a round-robin proxy in front. Ctrl-C
// stops it all (the replicas with SIGTERM, as systemd would).
//
//	vwcluster -bin ./veriwallet -dir data/cluster -listen 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/cluster"
	"github.com/veriwallet/veriwallet/internal/blob/s3test"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vwcluster:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "veriwallet", "the veriwallet binary")
	dir := flag.String("dir", "data/cluster", "where the cluster keeps its data, key file, S3 objects and logs")
	db := flag.String("db", "postgres://postgres@127.0.0.1:5432/veriwallet_cluster?sslmode=disable", "the cluster's database (created when missing)")
	listen := flag.String("listen", "127.0.0.1:8080", "the proxy's address")
	n := flag.Int("replicas", 3, "how many replicas")
	firstPort := flag.Int("first-port", 8081, "the first replica's port (the others follow)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := createDatabase(ctx, *db); err != nil {
		return err
	}
	env := append(os.Environ(), "VERIWALLET_DB="+*db, "VERIWALLET_DATA_DIR="+filepath.Join(*dir, "data"),
		"VERIWALLET_KEY_FILE="+filepath.Join(*dir, "keys.json"), "VERIWALLET_TRUST_PROXY=true")
	if _, err := s3test.Binary(); err == nil {
		s3, err := s3test.Launch(ctx, filepath.Join(*dir, "s3"), "veriwallet")
		if err != nil {
			return err
		}
		defer s3.Close()
		env = append(env, s3.Env("cluster")...)
		fmt.Printf("S3 (versitygw) on %s, bucket veriwallet\n", s3.Endpoint)
	} else {
		fmt.Println("versitygw not installed (scripts/setup.sh --test): blobs in", filepath.Join(*dir, "data", "blobs"))
	}
	mig := exec.Command(*bin, "migrate")
	mig.Env, mig.Stdout, mig.Stderr = env, os.Stderr, os.Stderr
	if err := mig.Run(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var backends []string
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			p.Wait()
		}
	}()
	for i := range *n {
		addr := fmt.Sprintf("127.0.0.1:%d", *firstPort+i)
		logf, err := os.OpenFile(filepath.Join(*dir, fmt.Sprintf("replica%d.log", i+1)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer logf.Close()
		// --dev: one-time codes go to the replica's log (no SMS gateway here).
		cmd := exec.Command(*bin, "serve", "--dev")
		cmd.Env = append(append([]string(nil), env...), "VERIWALLET_ADDR="+addr)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
		backends = append(backends, "http://"+addr)
		if err := waitReady(ctx, "http://"+addr); err != nil {
			return fmt.Errorf("replica %d (%s): %w; see %s", i+1, addr, err, logf.Name())
		}
		fmt.Printf("replica %d on http://%s (log %s)\n", i+1, addr, logf.Name())
	}
	p, err := cluster.NewProxy(backends)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("veriwallet cluster on http://%s (%s); Ctrl-C stops it\n", ln.Addr(), strings.Join(backends, " "))
	<-ctx.Done()
	fmt.Println("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func createDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"; `) {
		return errors.New("the -db URL must name a database")
	}
	admin := *u
	admin.Path = "/postgres"
	c, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s: %w", u.Host, err)
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := c.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return err
		}
	}
	return nil
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("not ready within 90 s")
}
