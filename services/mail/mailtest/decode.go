package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// decode reads a message: its header, its subject decoded from MIME
// encoded words, and its text/plain body decoded from its transfer
// encoding (the first text/plain part of a multipart message), in UTF-8
// with LF line ends.
func decode(raw []byte) (mail.Header, string, string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, "", "", fmt.Errorf("not a message: %w", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return nil, "", "", fmt.Errorf("subject: %w", err)
	}
	text, err := plainText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		return nil, "", "", err
	}
	return msg.Header, subject, text, nil
}

// plainText is the text/plain content of a body of type ctype, or of
// its first text/plain part.
func plainText(ctype, cte string, body io.Reader) (string, error) {
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", ctype, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			p, err := parts.NextRawPart()
			if errors.Is(err, io.EOF) {
				return "", errors.New("no text/plain part")
			}
			if err != nil {
				return "", fmt.Errorf("multipart: %w", err)
			}
			pt := p.Header.Get("Content-Type")
			if pt == "" || strings.HasPrefix(strings.ToLower(pt), "text/plain") || strings.HasPrefix(strings.ToLower(pt), "multipart/") {
				return plainText(pt, p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
	}
	if media != "text/plain" {
		return "", fmt.Errorf("content type %q, not text/plain", media)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", fmt.Errorf("charset %q, not UTF-8", cs)
	}
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips line ends
	case "", "7bit", "8bit", "binary":
		r = body
	default:
		return "", fmt.Errorf("transfer encoding %q", cte)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("body: %w", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
