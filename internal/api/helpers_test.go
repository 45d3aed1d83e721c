package api_test

import (
	"net/http/httptest"
	"time"

	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func sqltestEngines() []string { return sqltest.Engines() }

func sleep() { time.Sleep(20 * time.Millisecond) }

type httptestServer = httptest.Server

type testServer struct{ *httptest.Server }
