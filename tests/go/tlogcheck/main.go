// tlogcheck checks a vouch release log with Go's golang.org/x/mod/sumdb/note
// and golang.org/x/mod/sumdb/tlog, code independent of vouch's.
//
//	tlogcheck log DIR                  open DIR/checkpoint with DIR/vkey; recompute the tree hash
//	                                   and every level-0 and level-1 tile from the entry bundles
//	tlogcheck proof VKEY PROOF ENTRY   check a C2SP tlog-proof for entry data ENTRY
//	tlogcheck consistency VKEY OLD NEW PROOF
//	                                   check a consistency proof (base64 lines after a "m n" line)
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck .
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", a...)
	os.Exit(1)
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

type head struct {
	origin string
	size   int64
	root   tlog.Hash
}

// open verifies a checkpoint note with vkey and parses its body.
func open(vkey string, msg []byte) head {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("root: %v", err)
	}
	return head{lines[0], size, root}
}

func indexPath(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

func tilePath(dir string, level int, n int64, w int) string {
	p := filepath.Join(dir, "tile", strconv.Itoa(level), indexPath(n))
	if level < 0 {
		p = filepath.Join(dir, "tile", "entries", indexPath(n))
	}
	if w < 256 {
		p += ".p/" + strconv.Itoa(w)
	}
	return p
}

func checkLog(dir string) {
	h := open(string(read(filepath.Join(dir, "vkey"))), read(filepath.Join(dir, "checkpoint")))
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	var count int64
	for k := int64(0); count < h.size; k++ {
		w := h.size - k*256
		if w > 256 {
			w = 256
		}
		b := read(tilePath(dir, -1, k, int(w)))
		for len(b) > 0 {
			l := int(binary.BigEndian.Uint16(b))
			data := b[2 : 2+l]
			b = b[2+l:]
			hs, err := tlog.StoredHashes(count, data, reader)
			if err != nil {
				fail("StoredHashes: %v", err)
			}
			stored = append(stored, hs...)
			count++
		}
	}
	if count != h.size {
		fail("entries: %d, checkpoint size %d", count, h.size)
	}
	th, err := tlog.TreeHash(h.size, reader)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if th != h.root {
		fail("tree hash %v, checkpoint root %v", th, h.root)
	}
	tiles := 0
	for level := 0; level < 2; level++ {
		width := h.size
		for i := 0; i < level; i++ {
			width /= 256
		}
		for k := int64(0); k*256 < width; k++ {
			w := width - k*256
			if w > 256 {
				w = 256
			}
			t := tlog.Tile{H: 8, L: level, N: k, W: int(w)}
			want, err := tlog.ReadTileData(t, reader)
			if err != nil {
				fail("ReadTileData %v: %v", t, err)
			}
			got := read(tilePath(dir, level, k, int(w)))
			if !bytes.Equal(got, want) {
				fail("tile %s differs from Go's", tilePath(dir, level, k, int(w)))
			}
			tiles++
		}
	}
	fmt.Printf("ok: %s size %d root %v, %d tiles\n", h.origin, h.size, h.root, tiles)
}

func checkProof(vkey, proofPath, entry string) {
	b := read(proofPath)
	i := bytes.Index(b, []byte("\n\n"))
	if i < 0 {
		fail("no blank line in the proof")
	}
	lines := strings.Split(string(b[:i]), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
		fail("not a tlog-proof")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
	if err != nil {
		fail("index: %v", err)
	}
	var p tlog.RecordProof
	for _, l := range lines[2:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("proof hash: %v", err)
		}
		p = append(p, h)
	}
	h := open(vkey, b[i+2:])
	if err := tlog.CheckRecord(p, h.size, h.root, index, tlog.RecordHash([]byte(entry))); err != nil {
		fail("CheckRecord: %v", err)
	}
	fmt.Printf("ok: index %d in size %d\n", index, h.size)
}

func checkConsistency(vkey, oldPath, newPath, proofPath string) {
	o := open(vkey, read(oldPath))
	n := open(vkey, read(newPath))
	lines := strings.Split(strings.TrimSpace(string(read(proofPath))), "\n")
	var p tlog.TreeProof
	for _, l := range lines[1:] {
		raw, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(raw) != 32 {
			fail("proof line %q", l)
		}
		var h tlog.Hash
		copy(h[:], raw)
		p = append(p, h)
	}
	if err := tlog.CheckTree(p, n.size, n.root, o.size, o.root); err != nil {
		fail("CheckTree: %v", err)
	}
	fmt.Printf("ok: size %d consistent with size %d\n", o.size, n.size)
}

func main() {
	a := os.Args[1:]
	switch {
	case len(a) == 2 && a[0] == "log":
		checkLog(a[1])
	case len(a) == 4 && a[0] == "proof":
		checkProof(string(read(a[1])), a[2], a[3])
	case len(a) == 5 && a[0] == "consistency":
		checkConsistency(string(read(a[1])), a[2], a[3], a[4])
	default:
		fail("usage: tlogcheck log DIR | proof VKEY PROOF ENTRY | consistency VKEY OLD NEW PROOF")
	}
}
