package api_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// phoneCase opens a case for tok with phone as the applicant's number.
func phoneCase(t *testing.T, base *httptestServer, tok, phone string) string {
	t.Helper()
	id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
	if r := do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
		`{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"`+phone+`"}`); r.status != 200 {
		t.Fatalf("applicant: %d %s", r.status, r.raw)
	}
	return id
}

// TestPhoneCodeConcurrentSendsOneNumber: ten cases of one user, ten sends
// to one number at once: exactly one code goes out (one a minute per
// number), the others are told how long to wait.
func TestPhoneCodeConcurrentSendsOneNumber(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			base := newServer(t, engine)
			register(t, base, `"email":"burst-sms@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"burst-sms@example.com"`, "long enough pass")
			var ids []string
			for range 10 {
				ids = append(ids, phoneCase(t, base, tok, "13600136000"))
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			var badWait []string
			for _, id := range ids {
				wg.Go(func() {
					r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
					mu.Lock()
					defer mu.Unlock()
					got[strconv.Itoa(r.status)+" "+r.code()]++
					if r.status == 429 {
						if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s < 1 || s > 60 {
							badWait = append(badWait, r.raw)
						}
					}
				})
			}
			wg.Wait()
			if got["202 "] != 1 || got["429 PHONE_CODE_TOO_SOON"] != 9 {
				t.Fatalf("statuses %v, want 1×202 and 9×429 PHONE_CODE_TOO_SOON", got)
			}
			if len(badWait) > 0 {
				t.Fatalf("Retry-After not within 1..60 s: %v", badWait)
			}
		})
	}
}

// TestPhoneCodeLimitsAcrossCasesAndUsers: the one-minute wait survives a
// confirmation; the number's hourly and daily limits hold across cases;
// a user gets ten codes a day, a client address twenty an hour.
func TestPhoneCodeLimitsAcrossCasesAndUsers(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			base := newServer(t, engine)
			defer clockOffset.Store(0)
			at := func(d time.Duration) { clockOffset.Store(int64(d)) }
			at(0)
			register(t, base, `"email":"sms-a@example.com"`, "long enough pass")
			a := login(t, base, `"email":"sms-a@example.com"`, "long enough pass")

			// A confirmation does not reset the number's one-minute wait.
			id := phoneCase(t, base, a, "13700137000")
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", a, ""); r.status != 202 {
				t.Fatalf("send: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", a, `{"code":"`+testSender.code("+8613700137000")+`"}`); r.status != 200 {
				t.Fatalf("confirm: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", a, ""); r.status != 429 || r.code() != "PHONE_CODE_TOO_SOON" {
				t.Fatalf("send after confirm within the minute: %d %s", r.status, r.raw)
			}
			// A new case for the same number waits too.
			id2 := phoneCase(t, base, a, "13700137000")
			r := do(t, base, "POST", "/api/v1/verifications/"+id2+"/phone/send", a, "", "Accept-Language", "zh-CN")
			if r.status != 429 || r.code() != "PHONE_CODE_TOO_SOON" || r.header.Get("Retry-After") == "" {
				t.Fatalf("another case, same number: %d %s", r.status, r.raw)
			}
			if msg := r.message(); msg == "" || msg[0] < 0x80 {
				t.Fatalf("want a Chinese message: %q", msg)
			}
			// Five an hour per number, across cases: four more, one a minute.
			for i := 1; i <= 4; i++ {
				at(time.Duration(i) * 61 * time.Second)
				if r := do(t, base, "POST", "/api/v1/verifications/"+id2+"/phone/send", a, ""); r.status != 202 {
					t.Fatalf("send %d: %d %s", i+1, r.status, r.raw)
				}
			}
			at(5 * 61 * time.Second)
			r = do(t, base, "POST", "/api/v1/verifications/"+id2+"/phone/send", a, "")
			if r.status != 429 || r.code() != "PHONE_CODE_LIMIT" {
				t.Fatalf("sixth send to the number in an hour: %d %s", r.status, r.raw)
			}
			if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s < 60 || s > 3600 {
				t.Fatalf("Retry-After %q for the hourly limit", r.header.Get("Retry-After"))
			}
			// Ten a day per number: five more in the next hours, then refused.
			for i := 1; i <= 5; i++ {
				at(time.Duration(i)*61*time.Minute + 5*time.Minute)
				if r := do(t, base, "POST", "/api/v1/verifications/"+id2+"/phone/send", a, ""); r.status != 202 {
					t.Fatalf("send %d of the day: %d %s", i+5, r.status, r.raw)
				}
			}
			at(7 * time.Hour)
			if r := do(t, base, "POST", "/api/v1/verifications/"+id2+"/phone/send", a, ""); r.status != 429 || r.code() != "PHONE_CODE_LIMIT" {
				t.Fatalf("eleventh send to the number in a day: %d %s", r.status, r.raw)
			}
			// The user has had ten codes today: another number is refused too.
			id3 := phoneCase(t, base, a, "13700137001")
			if r := do(t, base, "POST", "/api/v1/verifications/"+id3+"/phone/send", a, ""); r.status != 429 || r.code() != "PHONE_CODE_USER_LIMIT" {
				t.Fatalf("eleventh code for the user in a day: %d %s", r.status, r.raw)
			}

			// A day later, from one client address: twenty an hour across users.
			at(32 * time.Hour)
			sent := 0
			for u := range 3 {
				who := fmt.Sprintf(`"email":"sms-c%d@example.com"`, u)
				register(t, base, who, "long enough pass")
				tok := login(t, base, who, "long enough pass")
				for i := range 8 {
					cid := phoneCase(t, base, tok, fmt.Sprintf("1390013%d%03d", u, i))
					r := do(t, base, "POST", "/api/v1/verifications/"+cid+"/phone/send", tok, "")
					switch {
					case sent < 20 && r.status == 202:
						sent++
					case sent == 20 && r.status == 429 && r.code() == "PHONE_CODE_CLIENT_LIMIT":
						return
					default:
						t.Fatalf("send %d from one address: %d %s", sent+1, r.status, r.raw)
					}
				}
			}
			t.Fatal("the client address limit never applied")
		})
	}
}

// TestPhoneCodeConcurrentConfirms: a one-time code is compared at most as
// often as the tries allow and used once, however many confirmations
// arrive at the same moment. On PostgreSQL the tries were read before
// the increment of another confirmation committed, so a burst was compared
// in full (a parallel brute force) and one code confirmed several requests
// (seen as extra 409 CASE_CHANGED after a 200).
func TestPhoneCodeConcurrentConfirms(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			base := newServer(t, engine)
			register(t, base, `"email":"burst-confirm@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"burst-confirm@example.com"`, "long enough pass")
			for round := range 4 {
				phone := fmt.Sprintf("+861360013601%d", round)
				id := phoneCase(t, base, tok, phone)
				if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, ""); r.status != 202 {
					t.Fatalf("send: %d %s", r.status, r.raw)
				}
				code := testSender.code(phone)
				var wg sync.WaitGroup
				var mu sync.Mutex
				got := map[string]int{}
				for range 30 {
					wg.Go(func() {
						r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+code+`"}`)
						mu.Lock()
						got[strconv.Itoa(r.status)+" "+r.code()]++
						mu.Unlock()
					})
				}
				wg.Wait()
				if got["200 "] != 1 || got["400 PHONE_CODE_WRONG"] != 29 {
					t.Fatalf("round %d: statuses %v, want 1×200 and 29×400 PHONE_CODE_WRONG", round, got)
				}
			}
			// Wrong guesses fired together are compared only while tries
			// remain: the right code sent with them cannot win once five
			// wrong ones have counted, and afterwards it is dead.
			phone := "+8613600136020"
			id := phoneCase(t, base, tok, phone)
			do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
			code := testSender.code(phone)
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Go(func() {
					do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, fmt.Sprintf(`{"code":"%06d"}`, (i*7919)%1000000))
				})
			}
			wg.Wait()
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+code+`"}`); r.status != 400 {
				t.Fatalf("right code after 30 wrong ones: %d %s", r.status, r.raw)
			}
		})
	}
}
