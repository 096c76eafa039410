package services

import (
	"strings"
	"unicode/utf8"
)

// TextProblem says what makes s unfit to keep as text, in English and in
// Simplified Chinese; both are "" when it is fit. Text a service keeps
// (an email, a name, a phone) is valid UTF-8 without NUL characters:
// PostgreSQL refuses NUL in text and invalid UTF-8 outright, while SQLite
// would keep either, so the services refuse both before any store sees
// them, and the two stores answer alike.
func TextProblem(s string) (en, zh string) {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8", "不是有效的 UTF-8 文本"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character (U+0000)", "含有 NUL 字符（U+0000）"
	}
	return "", ""
}
