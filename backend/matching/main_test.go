package matching

import (
	"testing"

	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }
