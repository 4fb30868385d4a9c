package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar is a progress bar over a fixed number of work units. On a terminal it
// redraws one line at most every 100 ms; on anything else (a CI log, a file)
// it prints a full line at most every 10 s. All methods are safe for
// concurrent use.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	total float64
	done  float64
	label string
	start time.Time
	last  time.Time
	tty   bool
}

// New returns a bar over total units writing to w (nil discards).
func New(w io.Writer, total float64) *Bar {
	if w == nil {
		w = io.Discard
	}
	return &Bar{w: w, total: total, start: time.Now(), tty: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Set records that done units are finished, with a short label of the
// current work, and redraws if enough time has passed.
func (b *Bar) Set(done float64, label string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.label = done, label
	every := 100 * time.Millisecond
	if !b.tty {
		every = 10 * time.Second
	}
	if now := time.Now(); now.Sub(b.last) >= every {
		b.last = now
		b.draw()
	}
}

// Finish draws the bar at 100% and ends the line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = b.total
	b.draw()
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

// Stop draws the bar where it stands, with why in place of the label,
// and ends the line: an interrupted or failed run never shows 100%.
func (b *Bar) Stop(why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.label = why
	b.draw()
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) draw() {
	const width = 30
	f := 0.0
	if b.total > 0 {
		f = min(max(b.done/b.total, 0), 1)
	}
	k := int(f * width)
	el := time.Since(b.start).Round(time.Second)
	eta := ""
	if f > 0.01 && f < 1 {
		eta = fmt.Sprintf(" eta %v", time.Duration(float64(time.Since(b.start))*(1-f)/f).Round(time.Second))
	}
	line := fmt.Sprintf("[%s%s] %3.0f%% %v%s %s", strings.Repeat("#", k), strings.Repeat(" ", width-k), 100*f, el, eta, b.label)
	if b.tty {
		fmt.Fprintf(b.w, "\r%s\033[K", line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}
