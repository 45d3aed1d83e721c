package api

import "time"

// SetHeartbeat changes the event stream's heartbeat for a test and returns
// the function that restores it.
func SetHeartbeat(d time.Duration) func() {
	old := heartbeatEvery.Swap(int64(d))
	return func() { heartbeatEvery.Store(old) }
}
