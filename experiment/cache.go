package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

// buildID identifies the running binary (a hash of its executable file), so
// that cached work units are reused only by the same code: resuming an
// interrupted run works, while a rebuilt onebit recomputes everything.
var buildID = sync.OnceValue(func() string {
	h := sha256.New()
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})
