package api_test

import (
	"time"

	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func sqltestEngines() []string { return sqltest.Engines() }

func sleep() { time.Sleep(20 * time.Millisecond) }
