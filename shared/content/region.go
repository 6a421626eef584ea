package content

import (
	"errors"
	"fmt"
	"io"
)

var (
	// ErrNotContainer means the file is neither a PFS0 (NSP, NSZ) nor a
	// gamecard image (XCI, XCZ).
	ErrNotContainer = errors.New("not an NSP, NSZ, XCI or XCZ container")
	// ErrTruncated means a header points past the end of the file.
	ErrTruncated = errors.New("file truncated")
	// ErrCorrupt means a header holds values no valid file has.
	ErrCorrupt = errors.New("corrupt file")
)

// region is a bounded window of a file. Every read is checked against its
// size, so a header that points outside its parent gives ErrTruncated
// instead of a read past the end.
type region struct {
	r    io.ReaderAt
	off  int64
	size int64
}

// sub is the window [off, off+size) of r, checked against r's size.
func (g region) sub(off, size int64, what string) (region, error) {
	if off < 0 || size < 0 || off > g.size || size > g.size-off {
		return region{}, fmt.Errorf("%w: %s at %#x+%#x outside its %#x-byte container", ErrTruncated, what, off, size, g.size)
	}
	return region{r: g.r, off: g.off + off, size: size}, nil
}

// read fills p from offset off of the region.
func (g region) read(p []byte, off int64, what string) error {
	n := int64(len(p))
	if off < 0 || off > g.size || n > g.size-off {
		return fmt.Errorf("%w: %s at %#x+%#x outside its %#x-byte container", ErrTruncated, what, off, n, g.size)
	}
	got, err := g.r.ReadAt(p, g.off+off)
	if int64(got) == n {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s at %#x: the file ends early", ErrTruncated, what, off)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// bytes reads n bytes at off, refusing n above limit so that a crafted
// size never becomes a huge allocation.
func (g region) bytes(off, n, limit int64, what string) ([]byte, error) {
	if n < 0 || n > limit {
		return nil, fmt.Errorf("%w: %s of %d bytes (at most %d)", ErrCorrupt, what, n, limit)
	}
	if off < 0 || off > g.size || n > g.size-off {
		return nil, fmt.Errorf("%w: %s at %#x+%#x outside its %#x-byte container", ErrTruncated, what, off, n, g.size)
	}
	p := make([]byte, n)
	if err := g.read(p, off, what); err != nil {
		return nil, err
	}
	return p, nil
}
