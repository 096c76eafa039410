package auth

import (
	"fmt"
	"strings"

	"github.com/campusnav/engine/services/mail"
)

// FamilyDecidedMail is the mail that tells a staff member (to, their
// campus email) how their application for a family account was decided,
// in English and Simplified Chinese. The store writes it to the outbox in
// the decision's transaction.
func FamilyDecidedMail(a FamilyApplication, to string) mail.Message {
	en, zh := "rejected", "未通过"
	next := "You may apply again from the campus app."
	nextZh := "您可以在校园应用中重新申请。"
	if a.Status == Approved {
		en, zh = "approved", "已通过"
		next = fmt.Sprintf("%s can now sign in to the campus app with the phone number %s and the code sent to it.", a.Name, a.Phone)
		nextZh = fmt.Sprintf("%s 现在可以使用手机号 %s 及收到的验证码登录校园应用。", a.Name, a.Phone)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Your application for a family account for %s (%s) was %s.\n%s\n\n", a.Name, a.Phone, en, next)
	fmt.Fprintf(&b, "您为 %s（%s）申请的家属账号%s。\n%s\n", a.Name, a.Phone, zh, nextZh)
	return mail.Message{
		To:      to,
		Subject: fmt.Sprintf("Family account %s / 家属账号申请%s: %s", en, zh, a.Name),
		Text:    b.String(),
	}
}
