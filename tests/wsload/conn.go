// Package wsload is the load driver for real-time subscriptions: it opens
// many graphql-transport-ws sockets against a running edgecrm (loopback
// only), subscribes each, commits mutations over HTTP and measures the
// fan-out. Counts and durations are bounded by Config. It speaks RFC 6455
// itself (a small client: text frames, masking, ping/close handling) so
// that ten thousand sockets cost goroutines, not processes.
package wsload

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Conn is one client WebSocket.
type Conn struct {
	c  net.Conn
	r  *bufio.Reader
	mu sync.Mutex // writers
	// CloseCode is the code of the close frame the server sent (0 if none).
	CloseCode int
}

// Dial opens a WebSocket to rawURL (ws://127.0.0.1:port/path) offering
// protocol, with extra request headers.
func Dial(rawURL, protocol string, header http.Header, timeout time.Duration) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	host := u.Host
	if !strings.HasPrefix(host, "127.0.0.1:") && !strings.HasPrefix(host, "localhost:") && !strings.HasPrefix(host, "[::1]:") {
		return nil, fmt.Errorf("wsload: refusing non-loopback host %q", host)
	}
	nc, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	keyBytes := make([]byte, 16)
	rand.Read(keyBytes)
	key := base64.StdEncoding.EncodeToString(keyBytes)
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", u.RequestURI(), host, key)
	if protocol != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Protocol: %s\r\n", protocol)
	}
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(nc, b.String()); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if resp.StatusCode != 101 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		nc.Close()
		return nil, fmt.Errorf("wsload: upgrade answered %d: %s", resp.StatusCode, body)
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(h[:]) {
		nc.Close()
		return nil, errors.New("wsload: bad Sec-WebSocket-Accept")
	}
	nc.SetDeadline(time.Time{})
	return &Conn{c: nc, r: br}, nil
}

// WriteText sends one masked text frame.
func (c *Conn) WriteText(s string) error { return c.write(0x1, []byte(s)) }

func (c *Conn) write(op byte, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	hdr := make([]byte, 0, 14)
	hdr = append(hdr, 0x80|op)
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	buf := make([]byte, len(hdr)+len(p))
	copy(buf, hdr)
	for i, x := range p {
		buf[len(hdr)+i] = x ^ mask[i%4]
	}
	_, err := c.c.Write(buf)
	return err
}

// ReadText returns the next text message (pings are answered, pongs
// skipped). A close frame ends with io.EOF and sets CloseCode.
func (c *Conn) ReadText(deadline time.Time) (string, error) {
	c.c.SetReadDeadline(deadline)
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return "", err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return "", err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return "", err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if n > 16<<20 {
			return "", fmt.Errorf("wsload: frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.r, p); err != nil {
			return "", err
		}
		switch op {
		case 0x8: // close
			if len(p) >= 2 {
				c.CloseCode = int(binary.BigEndian.Uint16(p))
			}
			c.write(0x8, p[:min(len(p), 2)])
			return "", io.EOF
		case 0x9: // ping
			c.write(0xA, p)
			continue
		case 0xA: // pong
			continue
		}
		msg = append(msg, p...)
		if fin {
			return string(msg), nil
		}
	}
}

// Close closes the socket with a normal close frame.
func (c *Conn) Close() error {
	c.write(0x8, []byte{0x03, 0xE8})
	return c.c.Close()
}
