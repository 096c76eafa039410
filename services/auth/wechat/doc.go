// Package wechat owns the server side of a WeChat mini program's sign-in:
// it exchanges the one-time code the mini program gets from wx.login for
// the user's openid (and unionid, when WeChat gives one) at WeChat's
// code2Session endpoint. It keeps nothing: binding an openid to an account
// and answering HTTP are left to the layers above.
//
// The endpoint, as WeChat documents it (auth.code2Session,
// https://developers.weixin.qq.com/minigame/dev/api-backend/open-api/login/auth.code2Session.html,
// and its newer page
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html):
//
//	GET https://api.weixin.qq.com/sns/jscode2session?appid=APPID&secret=SECRET&js_code=JSCODE&grant_type=authorization_code
//
// answers a JSON object {openid, session_key, unionid, errcode, errmsg}.
// The documented errcodes, and what this package makes of them:
//
//	 0      success (since late 2019 a success carries no errcode at all)  Session
//	-1      system error: busy, try again later                           ErrUnavailable
//	40029   code invalid (unknown, expired: codes live 5 minutes)         ErrInvalidCode
//	45011   api minute-quota reach limit: too frequent, slow down         ErrRateLimited
//	40226   code blocked: a high-risk user, sign-in refused               ErrBlocked
//
// More are answered in practice, from WeChat's shared return codes
// (https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html,
// https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html):
// 40163 "code been used" (oauth_code already used: a code is single use)
// is ErrCodeUsed, and 40013 "invalid appid", 40125 "invalid appsecret",
// 40001 (AppSecret wrong), 41002 and 41004 (appid or secret missing)
// mean this server is
// misconfigured: ErrMisconfigured, which is also ErrUnavailable to the
// person signing in. Any other errcode is ErrUnavailable, with its code
// and message kept for the log.
//
// What the API has been seen to do that the documents do not say, and
// that this package tolerates: answer JSON as text/plain (so the
// Content-Type is not trusted either way, the body is read as JSON); give
// errcode as a string ("40029") on some endpoints; answer an empty body.
//
// The session_key WeChat returns signs and encrypts the user's data; WeChat
// asks developers never to pass it on. This package never even decodes it:
// it is not a field of anything here, so it can reach no caller, no error
// and no log. The request URL carries the app secret: no error made here
// includes that URL or its query, and the secret is blanked out of any
// text WeChat sends back.
package wechat
