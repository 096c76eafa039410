// Command campus is the command-line tool of the campus engine: it
// validates an IMDF archive and asks the spatial core questions (venue,
// search, locate, nearest) as a given role, keeps the local accounts of
// the data folder (users), checks its audit log (audit), and is the
// campus card's reference client (card: a device key, offline codes). It
// prints JSON alone on standard output, and warnings and errors on
// standard error.
//
// Flags may come before or after the positional arguments.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and found a failure (validate: an ERROR)
	exitUsage = 2 // bad arguments
)

// command is one subcommand: its name, a one-line summary and its body.
type command struct {
	name    string
	usage   string
	summary string
	run     func(env *env, args []string) int
}

// env is what a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands []command

func init() {
	commands = []command{
		{"validate", "validate [PATH] [--venue PATH]", "check an IMDF archive; one line per problem; exit 1 on any ERROR", runValidate},
		{"venue", "venue [--role R] [--lang en|zh]", "buildings and the levels the role may see inside (JSON)", runVenue},
		{"search", "search QUERY [--role R] [--limit N] [--lang en|zh]", "rooms, amenities, gates and buildings by reference or name (JSON array)", runSearch},
		{"locate", "locate --at LON,LAT,ORDINAL [--role R] [--lang en|zh]", "the building, level and unit at a position (JSON)", runLocate},
		{"nearest", "nearest CATEGORY --at LON,LAT,ORDINAL [-k N] [--profile P] [--role R] [--lang en|zh]", "the k nearest amenities of an IMDF category by walking time (JSON array)", runNearest},
		{"route", "route --from PLACE --to PLACE [--via PLACE]... [--profile walk|wheelchair|sheltered] [--role R] [--lang en|zh]\n  campus route --pairs FILE [--profile P] [--role R]", "the least-cost route (JSON); or, with --pairs, source,target,cost per line of vertex ids", runRoute},
		{"graph", "graph --format csv|geojson [--profile P] [--role R]", "the routing graph as it routes: pgRouting's edge table (CSV) or GeoJSON", runGraph},
		{"position", "position [--beacons FILE] [--calibration FILE] [--role R] [--no-track | --plain | --knn] < scans.jsonl", "one fix per scan line (JSON lines): where each device is, tracked over time", runPosition},
		{"beacons", "beacons simulate [--regime NAME] [--walks N] [--seed S | --seeds LIST] [--sigma DB] [--survey]\n  campus beacons calibrate [--beacons FILE] < labelled.jsonl > calibration.json\n  campus beacons eval < fixes-with-truth.jsonl", "simulated scans along real routes; calibration from a survey; accuracy of fixes", runBeacons},
		{"users", "users add --role R --email E [--data-dir DIR] < password\n  campus users list [--data-dir DIR]\n  campus users disable EMAIL [--data-dir DIR]\n  campus users grant|revoke EMAIL DUTY [--data-dir DIR]", "local accounts in the data folder (default $CAMPUS_DATA_DIR or ./campus-data), or $CAMPUS_DATABASE_URL's: add one (the password is the first line of standard input, or typed), list them (JSON array), disable one, grant or revoke a duty (desk, security, lab, counsellor, sports, finance; recorded in the audit log)", runUsers},
		{"readers", "readers list [--kind K] [--building REF]\n  campus readers token READER_ID [--data-dir DIR]\n  campus readers revoke READER_ID [--data-dir DIR]\n  campus readers simulate --server URL [--data-dir DIR] [--people N] [--visitors N] [--duration D] [--pace F] [--wave D] [--jitter D]\n      [--copies F] [--screenshots F] [--physical F] [--offline F] [--seed S] [--concurrency C]", "the venue's card readers (JSON array); a reader's bearer token (printed once, kept hashed; a new one replaces the old); revoke it; replay a day of campus life against a running server (people set up in its store, walking real routes; real time) and print its decisions per reason, reader kind and who showed the credential, decisions a second and the checks' latency, and the visitors' by credential (JSON)", runReaders},
		{"card", "card device --server URL --token TOKEN --device-key FILE\n  campus card code --device-key FILE [--at RFC3339]", "the campus card's reference client: register this machine's Ed25519 key (made in FILE if missing) as a device of the signed-in holder's card and keep the certificate (device); make an offline QR code from FILE, no network needed (code; JSON)", runCard},
		{"payments", "payments simulate --server URL [--data-dir DIR] [--people N] [--duration D] [--concurrency C] [--seed S] [--retries F] [--over F]", "payments at the tills under load against a running server (people set up in its store, wallets topped up through the provider's signed notifications; each pays at one till: a fresh code, then POST /pos/charge; some retried under the same key, some over the balance); prints payments a second, the charges' latency and statuses, then checks every wallet and the ledger (JSON; exit 1 on any error or mismatch). Needs $CAMPUS_PAY_SANDBOX_SECRET, the server's", runPayments},
		{"bookings", "bookings simulate --server URL [--data-dir DIR] [--people N] [--duration D] [--concurrency C] [--rooms R] [--seed S]\n      [--retries F] [--spaces F] [--near F] [--cancels F] [--keep]", "bookings under contention against a running server (people signed in through its store; each books random 30-60 min slots of the next 7 days in R meeting rooms, POST /bookings under a fresh key, some sent again under the same key, some cancelled; some ask GET /spaces for the whole campus with its timelines or the nearest free room); prints bookings (201) and conflicts (409) a second, the latency of POST /bookings and of GET /spaces, then reads every person's bookings back and checks that no two live bookings of a room overlap (JSON; exit 1 on any error, overlap or booking lost). --url is --server", runBookings},
		{"ledger", "ledger verify [--data-dir DIR]", "rebuild every card balance from its postings and compare (JSON); exit 1 naming the first transaction or account that differs", runLedger},
		{"bills", "bills import FILE.csv [--data-dir DIR] [--venue PATH]", "issue dormitory bills from a CSV (columns email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen, a header line first): all or none, an error naming the line and column; a bill already issued for the same resident, room and period is skipped (JSON)", runBills},
		{"audit", "audit verify [--data-dir DIR]", "check the audit log's hash chain, entry by entry (JSON); exit 1 naming the first entry changed, removed or put in", runAudit},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		printUsage(w)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "campus: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("usage: campus COMMAND [ARGS] [FLAGS]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  campus %s\n      %s\n", c.usage, c.summary)
	}
	b.WriteString("\ncommon flags: --venue PATH (default $CAMPUS_VENUE or " + defaultVenue + "), --role staff|student|family|visitor|tourist (default tourist)\n")
	io.WriteString(w, b.String())
}

// usageError is a bad argument: reported with the command's usage, exit 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// fail reports err for command c and returns its exit code.
func (e *env) fail(c string, err error) int {
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(e.stderr, "campus %s: %v\n", c, err)
		for _, cmd := range commands {
			if cmd.name == c {
				fmt.Fprintf(e.stderr, "usage: campus %s\n", cmd.usage)
			}
		}
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "campus %s: %v\n", c, err)
	return exitFail
}
