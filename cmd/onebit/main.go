// Command onebit trains 1-bit autoencoders and checks them against the
// theory of compressing structured data (arXiv 2402.05013).
//
// Usage:
//
//	onebit <command> [flags]
//
// Run "onebit help" for the list of commands. Bad flags or parameters exit
// with status 2 and one line on stderr; failures while running exit with 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"

	"github.com/seed05b1c944/onebit/experiment"
)

// command is one subcommand; each lives in its own file and registers itself
// in init, so that commands can be added without touching this file.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// usageError marks bad input: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "onebit: unknown command %q; run 'onebit help'\n", args[0])
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	var ue usageError
	var fe *experiment.FieldError
	if errors.As(err, &fe) {
		err = usagef("flag --%s: %s", fe.Field, fe.Msg)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "onebit %s: %s\n", c.name, ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "onebit %s: %v\n", c.name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: onebit <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
}

// newFlagSet returns a flag set that reports errors as values (never exits)
// and writes its usage text (-h) to w.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("onebit "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// singleDash matches a flag named with one dash in the flag package's
// messages ("flag -rate", ": -bogus"); onebit spells flags --name.
var singleDash = regexp.MustCompile(`(^|[ :])-([a-z])`)

// parseFlags parses args, turning a flag error into a one-line usage error
// (the flag package's own message names the flag) and rejecting stray
// arguments. -h prints the flags to the flag set's output.
func parseFlags(fs *flag.FlagSet, args []string) error {
	w := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(w)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.PrintDefaults()
		return flag.ErrHelp
	case err != nil:
		return usageError{singleDash.ReplaceAllString(err.Error(), "$1--$2")}
	case fs.NArg() > 0:
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
