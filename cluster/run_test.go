package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/internal/document/gen/synth"
)

// TestCluster runs three replicas on one PostgreSQL database and checks
// what one server promises, with clients spread over them: an upload
// started on one replica is finished on another, and a replica still
// receiving an upload never lets a second one write it; 20 verifications
// (VW_CLUSTER_CASES) are submitted while one replica is killed with
// SIGKILL and restarted, and every case is decided exactly once, every
// webhook event delivered with one delivery id; concurrent wallet
// transfers through all replicas leave `ledger verify` clean; `audit
// verify` passes.
//
// VERIWALLET_UNSAFE_LOCAL_TUS_LOCK=1 in the environment gives the replicas
// an in-process upload lock: the upload part then fails.
func TestCluster(t *testing.T) {
	n := 20
	if v, _ := strconv.Atoi(os.Getenv("VW_CLUSTER_CASES")); v > 0 {
		n = v
	}
	c := newCluster(t, 3)
	t.Logf("3 replicas on PostgreSQL, blobs on S3: %v", c.s3)
	start := time.Now()
	t.Run("upload across replicas", func(t *testing.T) { testUploadAcrossReplicas(t, c) })
	t.Logf("uploads: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	t.Run("cases with a replica killed", func(t *testing.T) { testCasesWithKill(t, c, n) })
	t.Logf("cases: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	t.Run("transfers", func(t *testing.T) { testTransfers(t, c) })
	t.Logf("transfers: %v", time.Since(start).Round(time.Millisecond))
	t.Run("one keyring", func(t *testing.T) { testKeyring(t, c) })
	t.Run("graceful shutdown", func(t *testing.T) { testGracefulShutdown(t, c) })
	for _, args := range [][]string{{"audit", "verify"}, {"ledger", "verify"}} {
		if out, err := c.command(args...).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// Every replica stops within 30 s of SIGTERM (stopAll checks it).
	c.stopAll()
}

func tusReq(t *testing.T, method, u, token string, offset int64, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+token)
	if method == "PATCH" {
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	}
	return req
}

func testUploadAcrossReplicas(t *testing.T, c *testCluster) {
	r1, r2, r3 := c.replicas[0], c.replicas[1], c.replicas[2]
	cl := newUser(t, c.proxy.URL, 0, "upload")
	data := photo(t, 999, synth.Front)
	size := int64(len(data))
	half, quarter := size/2, size/4

	// Created on replica 1, the first half sent there.
	req := tusReq(t, "POST", r1.base()+"/api/v1/uploads/", cl.token, 0, nil)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create upload: %v %v", err, res)
	}
	res.Body.Close()
	loc, _ := res.Location()
	path := loc.Path
	res, err = http.DefaultClient.Do(tusReq(t, "PATCH", r1.base()+path, cl.token, 0, bytes.NewReader(data[:half])))
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("first half on replica 1: %v %v", err, res)
	}
	res.Body.Close()

	// A quarter more to replica 1, and then the client's network stalls
	// with the request still open (replica 1 is still reading it).
	pr, pw := io.Pipe()
	stalled := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(tusReq(t, "PATCH", r1.base()+path, cl.token, half, pr))
		if err != nil {
			stalled <- -1
			return
		}
		res.Body.Close()
		stalled <- res.StatusCode
	}()
	if _, err := pw.Write(data[half : half+quarter]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // replica 1 has read them

	// The client resumes from another device, through replica 2: it must
	// learn what replica 1 received (the lock holder is asked to stop and
	// save), not an offset a second writer would then race for.
	res, err = http.DefaultClient.Do(tusReq(t, "HEAD", r2.base()+path, cl.token, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got, _ := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	// (All of the quarter, unless replica 1 had not read it all from its
	// socket yet on a loaded machine: more than the half in any case.)
	if res.StatusCode != 200 || got <= half || got > half+quarter {
		t.Errorf("HEAD on replica 2 while replica 1 was receiving the upload: %d, offset %d, want %d: "+
			"a second replica answered for an upload another one was writing (is the upload lock shared?)", res.StatusCode, got, half+quarter)
	}
	// The rest, sent to replica 3 from the offset replica 2 gave.
	res, err = http.DefaultClient.Do(tusReq(t, "PATCH", r3.base()+path, cl.token, got, bytes.NewReader(data[got:])))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Upload-Offset") != strconv.FormatInt(size, 10) {
		t.Errorf("the rest on replica 3: %d, offset %s, want 204 and %d", res.StatusCode, res.Header.Get("Upload-Offset"), size)
	}
	pw.Close()
	if st := <-stalled; st == 204 {
		t.Errorf("the stalled request on replica 1 also wrote the upload (204): two writers")
	}
	// The pieces, written by three replicas, make the photo again.
	var out struct {
		Document struct{ ID string } `json:"document"`
	}
	if st := cl.do("POST", "/api/v1/documents", `{"kind":"id_front","upload_id":"`+strings.TrimPrefix(path, "/api/v1/uploads/")+`"}`, nil, &out); st != 201 {
		t.Errorf("document from the upload: %d", st)
	}
}

type prepared struct {
	cl *client
	id string
	i  int
}

func prepareCase(t *testing.T, c *testCluster, i int) prepared {
	cl := newUser(t, c.proxy.URL, i, "case")
	var v struct{ Verification struct{ ID string } }
	cl.do("POST", "/api/v1/verifications", `{"level":"standard"}`, map[string]string{"Idempotency-Key": fmt.Sprintf("c%d", i)}, &v)
	id := v.Verification.ID
	if id == "" {
		t.Fatalf("case %d not created", i)
	}
	phone := fmt.Sprintf("+86138%08d", i)
	cl.do("PUT", "/api/v1/verifications/"+id+"/applicant", `{"full_name":"王小明","id_type":"cn_resident","id_number":"`+idNumber(i)+`","phone":"`+phone+`"}`, nil, nil)
	cl.do("POST", "/api/v1/verifications/"+id+"/phone/send", "", nil, nil)
	var code string
	for range 100 {
		if code = c.recv.code(phone); code != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := cl.do("POST", "/api/v1/verifications/"+id+"/phone/confirm", `{"code":"`+code+`"}`, nil, nil); st >= 300 {
		t.Fatalf("case %d: phone confirm %d", i, st)
	}
	for _, side := range []struct {
		kind string
		s    synth.Side
	}{{"id_front", synth.Front}, {"id_back", synth.Back}} {
		doc := cl.upload(side.kind, photo(t, i, side.s))
		if st := cl.do("POST", "/api/v1/verifications/"+id+"/documents", `{"kind":"`+side.kind+`","document_id":"`+doc+`"}`, nil, nil); st >= 300 {
			t.Fatalf("case %d: attach %s: %d", i, side.kind, st)
		}
	}
	return prepared{cl, id, i}
}

var decided = map[string]bool{"approved": true, "rejected": true, "retry_required": true, "manual_review": true}

func testCasesWithKill(t *testing.T, c *testCluster, n int) {
	cases := make([]prepared, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cases[i] = prepareCase(t, c, i+1)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	victim := c.replicas[1]
	// An upload in the middle of a PATCH on the replica about to be killed:
	// its lock must die with it.
	up := newUser(t, c.proxy.URL, 1, "killed-upload")
	data := photo(t, 997, synth.Front)
	req := tusReq(t, "POST", victim.base()+"/api/v1/uploads/", up.token, 0, nil)
	req.Header.Set("Upload-Length", strconv.Itoa(len(data)))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create upload: %v %v", err, res)
	}
	res.Body.Close()
	loc, _ := res.Location()
	pr, pw := io.Pipe()
	go func() {
		if res, err := http.DefaultClient.Do(tusReq(t, "PATCH", victim.base()+loc.Path, up.token, 0, pr)); err == nil {
			res.Body.Close()
		}
	}()
	pw.Write(data[:len(data)/3])
	time.Sleep(500 * time.Millisecond)
	var outcome sync.Map
	var latMu sync.Mutex
	var lat []time.Duration
	for k, p := range cases {
		if k == n/4 {
			c.kill(victim) // kill -9 with cases being processed
			go func() {
				time.Sleep(2 * time.Second)
				c.start(victim)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st := p.cl.do("POST", "/api/v1/verifications/"+p.id+"/submit", "", map[string]string{"Idempotency-Key": "s" + p.id}, nil); st != 202 && st != 200 {
				t.Errorf("case %d: submit %d", p.i, st)
				return
			}
			start := time.Now()
			deadline := start.Add(180 * time.Second)
			for time.Now().Before(deadline) {
				var v struct{ Verification struct{ Status string } }
				p.cl.do("GET", "/api/v1/verifications/"+p.id, "", nil, &v)
				if decided[v.Verification.Status] {
					outcome.Store(p.id, v.Verification.Status)
					latMu.Lock()
					lat = append(lat, time.Since(start))
					latMu.Unlock()
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Errorf("case %d not decided within 180 s", p.i)
		}()
		time.Sleep(150 * time.Millisecond)
	}
	wg.Wait()
	pw.CloseWithError(io.ErrUnexpectedEOF)
	// The killed replica's upload lock ended with its sessions: the upload
	// resumes on another replica at once (bytes not yet saved are lost, as
	// tus allows), and finishes.
	t0 := time.Now()
	res, err = http.DefaultClient.Do(tusReq(t, "HEAD", c.replicas[0].base()+loc.Path, up.token, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	off, _ := strconv.Atoi(res.Header.Get("Upload-Offset"))
	if res.StatusCode != 200 || time.Since(t0) > 5*time.Second {
		t.Errorf("HEAD after the lock holder was killed: %d after %v", res.StatusCode, time.Since(t0))
	}
	res, err = http.DefaultClient.Do(tusReq(t, "PATCH", c.replicas[2].base()+loc.Path, up.token, int64(off), bytes.NewReader(data[off:])))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 {
		t.Errorf("finishing the killed replica's upload elsewhere: %d", res.StatusCode)
	}
	statuses := map[string]int{}
	outcome.Range(func(_, v any) bool { statuses[v.(string)]++; return true })
	slices.Sort(lat)
	if len(lat) > 0 {
		q := func(f float64) time.Duration {
			return lat[min(len(lat)-1, int(f*float64(len(lat))))].Round(time.Millisecond)
		}
		t.Logf("%d cases: %v; submit → decision p50 %v, p95 %v, max %v (replica 2 killed at case %d, restarted 2 s later; rescue after 10 s)",
			n, statuses, q(0.5), q(0.95), lat[len(lat)-1].Round(time.Millisecond), n/4)
	} else {
		t.Logf("%d cases: %v", n, statuses)
	}

	ctx := context.Background()
	db, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	for _, p := range cases {
		var k int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM case_events WHERE case_id = $1
			AND to_status IN ('approved','rejected','retry_required','manual_review')`, p.id).Scan(&k); err != nil {
			t.Fatal(err)
		}
		if k != 1 {
			t.Errorf("case %d decided %d times", p.i, k)
		}
	}
	// Every status change was appended to the audit chain by whichever
	// replica made it (`audit verify` checks the chain at the end).
	var audited int
	db.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'case.status'`).Scan(&audited)
	if audited < 2*n {
		t.Errorf("%d case status changes in the audit chain, want at least %d", audited, 2*n)
	}
	t.Logf("%d case status changes audited, by the three replicas concurrently", audited)
	// Every delivery reaches the receiver (at least once), and each event
	// of each case has one delivery id.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var pending int
		db.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'`).Scan(&pending)
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook deliveries still not delivered after 90 s", pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
	rows, err := db.Query(ctx, `SELECT id, event FROM webhook_deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, event string }
	var all []row
	for rows.Next() {
		var r row
		rows.Scan(&r.id, &r.event)
		all = append(all, r)
	}
	rows.Close()
	c.recv.mu.Lock()
	defer c.recv.mu.Unlock()
	perEvent := map[string]int{}
	for _, r := range all {
		if c.recv.got[r.id] < 1 {
			t.Errorf("delivery %s (%s) recorded delivered but never received", r.id, r.event)
		}
		perEvent[r.event]++
	}
	for k, ids := range c.recv.events {
		if len(ids) != 1 {
			t.Errorf("%s: %d delivery ids, want one", k, len(ids))
		}
	}
	for _, p := range cases {
		st, _ := outcome.Load(p.id)
		if st == nil {
			continue
		}
		if len(c.recv.events[p.id+" verification."+st.(string)]) != 1 {
			t.Errorf("case %d: its %s event was not received", p.i, st)
		}
		if len(c.recv.events[p.id+" verification.submitted"]) != 1 {
			t.Errorf("case %d: its submitted event was not received", p.i)
		}
	}
	t.Logf("webhook deliveries: %v (%d received in all, duplicates included)", perEvent, func() int {
		s := 0
		for _, v := range c.recv.got {
			s += v
		}
		return s
	}())
}

func testTransfers(t *testing.T, c *testCluster) {
	out, err := c.command("admin", "create-api-key", "--name", "cluster test", "--scope", "wallet:deposit").Output()
	if err != nil {
		t.Fatalf("create-api-key: %v", err)
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &k); err != nil || k.Key == "" {
		t.Fatalf("create-api-key printed %s", out)
	}
	const users, each = 6, 25
	cls := make([]*client, users)
	ids := make([]string, users)
	payments := &client{t: t, base: c.proxy.URL, token: k.Key}
	for i := range users {
		cls[i] = newUser(t, c.proxy.URL, i, "wallet")
		var me struct{ User struct{ ID string } }
		cls[i].do("GET", "/api/v1/me", "", nil, &me)
		ids[i] = me.User.ID
		if st := payments.do("POST", "/api/v1/admin/wallet/deposits", `{"user_id":"`+ids[i]+`","asset":"CNY","amount":"1000.00","reference":"bank-`+ids[i]+`"}`,
			map[string]string{"Idempotency-Key": "d" + ids[i]}, nil); st != 201 {
			t.Fatalf("deposit: %d", st)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(i), 7))
			for j := range each {
				to := ids[(i+1+r.IntN(users-1))%users]
				amt := fmt.Sprintf("%d.%02d", r.IntN(5), 1+r.IntN(99))
				st := cls[i].do("POST", "/api/v1/wallet/transfers", `{"to":"`+to+`","asset":"CNY","amount":"`+amt+`","memo":"cluster"}`,
					map[string]string{"Idempotency-Key": fmt.Sprintf("t%d-%d", i, j)}, nil)
				mu.Lock()
				codes[st]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d transfers over 3 replicas: %v", users*each, codes)
	if codes[201] != users*each {
		t.Errorf("transfers: %v, want all %d created", codes, users*each)
	}
	// Money is neither made nor lost: the balances still sum to the deposits.
	var total int64
	for i := range users {
		var b struct {
			Balances []struct {
				Asset, Available, Held string
			} `json:"balances"`
		}
		cls[i].do("GET", "/api/v1/wallet/balances", "", nil, &b)
		for _, x := range b.Balances {
			if x.Asset == "CNY" {
				total += cents(t, x.Available) + cents(t, x.Held)
			}
		}
	}
	if total != users*100000 {
		t.Errorf("balances sum to %d cents, want %d", total, users*100000)
	}
}

func cents(t *testing.T, s string) int64 {
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil {
		t.Errorf("amount %q", s)
	}
	return w*100 + f
}

// testKeyring: `keys rotate` on one machine; every replica then reads data
// re-wrapped under the new key (each reloads the shared file); a replica
// given another key file refuses to start and says why.
func testKeyring(t *testing.T, c *testCluster) {
	if out, err := c.command("keys", "rotate").CombinedOutput(); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	for _, r := range c.replicas {
		cl := &client{t: t, base: r.base()}
		var login struct{ Token string }
		cl.do("POST", "/api/v1/auth/login", `{"email":"upload0@example.com","password":"cluster password"}`, nil, &login)
		cl.token = login.Token
		var me struct{ User struct{ Email string } }
		if st := cl.do("GET", "/api/v1/me", "", nil, &me); st != 200 || me.User.Email != "upload0@example.com" {
			t.Errorf("replica %d after the rotation: %d %q", r.n, st, me.User.Email)
		}
	}
	other := c.command("serve")
	other.Env = append(append([]string(nil), c.env...), "VERIWALLET_ADDR="+freeAddr(t),
		"VERIWALLET_KEY_FILE="+filepath.Join(t.TempDir(), "other-keys.json"))
	var out bytes.Buffer
	other.Stdout, other.Stderr = &out, &out
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- other.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(out.String(), "refusing to start") {
			t.Errorf("a replica with another key file: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		other.Process.Kill()
		t.Errorf("a replica with another key file started")
	}
}

// testGracefulShutdown: a replica told to stop (SIGTERM) answers /readyz
// with 503 first (the balancer drains it), still finishes the upload a
// client is in the middle of, and exits cleanly within 30 s.
func testGracefulShutdown(t *testing.T, c *testCluster) {
	r := &replica{n: len(c.replicas) + 1, addr: freeAddr(t)}
	saved := c.env
	c.env = append(append([]string(nil), c.env...), "VERIWALLET_SHUTDOWN_DRAIN=2s")
	c.start(r)
	c.env = saved
	c.replicas = append(c.replicas, r)

	cl := newUser(t, c.proxy.URL, 1, "shutdown")
	data := photo(t, 998, synth.Back)
	req := tusReq(t, "POST", r.base()+"/api/v1/uploads/", cl.token, 0, nil)
	req.Header.Set("Upload-Length", strconv.Itoa(len(data)))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create upload: %v %v", err, res)
	}
	res.Body.Close()
	loc, _ := res.Location()
	pr, pw := io.Pipe()
	patched := make(chan string, 1)
	go func() {
		res, err := http.DefaultClient.Do(tusReq(t, "PATCH", r.base()+loc.Path, cl.token, 0, pr))
		if err != nil {
			patched <- err.Error()
			return
		}
		res.Body.Close()
		patched <- fmt.Sprintf("%d %s", res.StatusCode, res.Header.Get("Upload-Offset"))
	}()
	pw.Write(data[:len(data)/2])
	time.Sleep(300 * time.Millisecond)

	sent := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	saw503 := false
	for time.Since(sent) < 2*time.Second {
		if res, err := http.Get(r.base() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				saw503 = true
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !saw503 {
		t.Errorf("/readyz never answered 503 after SIGTERM")
	}
	// The client's upload, in flight across the signal, completes.
	pw.Write(data[len(data)/2:])
	pw.Close()
	if got, want := <-patched, fmt.Sprintf("204 %d", len(data)); got != want {
		t.Errorf("the upload in flight at SIGTERM: %s, want %s", got, want)
	}
	select {
	case <-r.done:
		if code := r.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit code %d after SIGTERM:\n%s", code, c.logOf(r))
		}
		t.Logf("stopped %v after SIGTERM (drain 2 s)", time.Since(sent).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Errorf("not stopped 30 s after SIGTERM")
	}
}
