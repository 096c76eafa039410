package web

// detailsZh is the Simplified Chinese of every detail format the API
// writes, keyed by the English format given to problem or badParam: a
// problem asked for in Chinese (lang=zh, or Accept-Language: zh...) is
// rendered from here with the same arguments (use %[n]v to reorder them).
// TestEveryDetailHasChinese reads every call in this package and fails for
// a format missing here, or one here no call uses: add the Chinese with
// the English. A format of a bare verb ("%v") leaves the words to its
// argument, which renders itself when it can (an error with DetailIn, a
// phrase of phrasesZh).
var detailsZh = map[string]string{
	// Parameters and bodies.
	"%s is required":                                        "缺少参数 %s",
	"%s %q is not a number":                                 "%s 的值 %q 不是数字",
	"%s %v is out of range %v..%v":                          "%s 的值 %v 超出范围 %v..%v",
	"%s %q is not an integer":                               "%s 的值 %q 不是整数",
	"%s %d is out of range %d..%d":                          "%s 的值 %d 超出范围 %d..%d",
	"%s is longer than 200 characters":                      "%s 超过 200 个字符",
	"ordinal is required (0 is the ground floor)":           "缺少 ordinal（楼层序号，0 为地面层）",
	"bbox %q is not minLon,minLat,maxLon,maxLat":            "bbox %q 不是 minLon,minLat,maxLon,maxLat 的格式",
	"bbox %q has its minimum above its maximum":             "bbox %q 的最小值大于最大值",
	"lang %q is not en or zh":                               "lang %q 不是 en 或 zh",
	"want application/json, got %q":                         "应为 application/json，收到的是 %q",
	"the body is not the JSON expected: %v":                 "请求体不是预期的 JSON：%v",
	"the body is larger than %d bytes":                      "请求体超过 %d 字节",
	"want multipart/form-data with a part named %s, got %q": "应为含名为 %s 的部分的 multipart/form-data，收到的是 %q",
	"the %s is larger than %d bytes":                        "%s 超过 %d 字节",
	"send one %s per request":                               "每次请求只能发送一个 %s",
	"the %s could not be read":                              "无法读取 %s",
	"the %s is empty":                                       "%s 为空",
	"no part named %s":                                      "缺少名为 %s 的部分",
	"the multipart body could not be read":                  "无法读取 multipart 请求体",
	"%v":                                                    "%v",
	"%s":                                                    "%s",
	"sign in to use saved places":                           "登录后才能使用收藏的地点",

	// Places, search and routes.
	"no building %q":                                  "没有编号为 %q 的楼宇",
	"no level %q":                                     "没有编号为 %q 的楼层",
	"q, what to search for, is required":              "缺少 q（要搜索的内容）",
	"q is longer than 200 characters":                 "q 超过 200 个字符",
	"profile %q is not walk, wheelchair or sheltered": "profile %q 不是 walk、wheelchair 或 sheltered",
	"category is required (an IMDF amenity category: copymachine, defibrillator, ...)":  "缺少 category（IMDF 设施类别：copymachine、defibrillator 等）",
	"%q is not an IMDF amenity category (printers are copymachine, AEDs defibrillator)": "%q 不是 IMDF 设施类别（打印机为 copymachine，AED 为 defibrillator）",
	"%q is not an IMDF amenity category: for %[1]q ask for %[2]s":                       "%q 不是 IMDF 设施类别：要找 %[1]q，请用 %[2]s",
	"from, where the route starts, is required":                                         "缺少 from（路线起点）",
	"to, where the route ends, is required":                                             "缺少 to（路线终点）",
	"at most 10 via places":                                                             "途经点最多 10 个",
	"no collection %q (want units, openings, amenities, footprints or levels)":          "没有名为 %q 的集合（可用：units、openings、amenities、footprints 或 levels）",
	"no place %q":                  "没有编号为 %q 的地点",
	"no saved place %q":            "没有编号为 %q 的已保存地点",
	"lon is required, -180..180":   "lon 为必填项，取值 -180..180",
	"lat is required, -90..90":     "lat 为必填项，取值 -90..90",
	"positioning is not available": "定位功能未开放",

	// Tiles.
	"tiles are not available":          "地图瓦片未开放",
	"zoom %q is not a number":          "缩放级别 %q 不是数字",
	"x %q is not a number":             "x 的值 %q 不是数字",
	"y %q is not a number":             "y 的值 %q 不是数字",
	"tiles are /tiles/{z}/{x}/{y}.mvt": "瓦片地址为 /tiles/{z}/{x}/{y}.mvt",

	// Signing in.
	"want Authorization: Bearer TOKEN": "请求头应为 Authorization: Bearer TOKEN",
	"sign-in is not available":         "登录功能未开放",
	"email is required":                "email 为必填项",
	"password is required":             "password 为必填项",
	"phone sign-in is not available":   "手机验证码登录未开放",
	"this WeChat account is not bound to a campus account; sign in by single sign-on or phone once, then bind it": "该微信尚未绑定校园账号：请先通过统一身份认证或手机号登录一次，再绑定微信",
	"this WeChat account is bound to another campus account":                                                      "该微信已绑定其他校园账号",
	"WeChat sign-in is not available":                                                                             "微信登录未开放",
	"code is the code of wx.login":                                                                                "code 应为 wx.login 返回的登录凭证",
	"WeChat refused the code: it is wrong, expired or used; call wx.login again":                                  "微信拒绝了该登录凭证：凭证错误、已过期或已使用，请重新调用 wx.login",
	"WeChat refuses this sign-in for the account's safety; try another way to sign in":                            "微信出于账号安全拒绝本次登录，请改用其他方式登录",
	"WeChat sign-in is busy; try again in a minute":                                                               "微信登录繁忙，请一分钟后再试",
	"WeChat sign-in is unavailable at the moment; try again later or sign in another way":                         "微信登录暂时不可用，请稍后再试或改用其他方式登录",
	"phone is required":                                     "phone 为必填项",
	"code is the 6 digits sent to the phone":                "code 是发送到手机的 6 位数字",
	"single sign-on is not configured (CAMPUS_OIDC_ISSUER)": "未配置统一身份认证（CAMPUS_OIDC_ISSUER）",
	"the campus sign-in refused: %s %s":                     "校园统一身份认证拒绝了登录：%s %s",
	"code is required":                                      "code 为必填项",
	"state is required":                                     "state 为必填项",
	"family accounts are not available":                     "家属账号功能未开放",
	"phone, the family member's mobile number, is required": "phone（家属的手机号码）为必填项",
	"%q is not an application id":                           "%q 不是申请编号",

	// Idempotency-Key.
	"send one Idempotency-Key, not %d": "只能发送一个 Idempotency-Key，而不是 %d 个",
	"the body could not be read":       "无法读取请求体",
	"this Idempotency-Key was sent with another request (another method, path or body); send a new key with a new request": "此 Idempotency-Key 已随另一个请求发送过（方法、路径或请求体不同）；新的请求请使用新的键",
	"the first request with this Idempotency-Key is still being processed; retry in a moment":                              "使用此 Idempotency-Key 的第一个请求仍在处理中；请稍后重试",
	"at most %d Idempotency-Keys in 24 hours; retry later, or without the header":                                          "24 小时内最多使用 %d 个 Idempotency-Key；请稍后重试，或不带该请求头发送",
	// The audit log.
	"the audit log is not available":                                "审计日志功能未开放",
	"only admins read the audit log":                                "只有管理员可以查看审计日志",
	"only staff see the occupancy map":                              "只有教职工可以查看人流分布图",
	"subject is an account's email or tel:+phone, at most %d bytes": "subject 是账号的电子邮件或 tel:+手机号码，至多 %d 字节",
	"kind %q is not a kind of entry (signin, signin_failed, family_decided, duty_granted, duty_revoked ...)": "kind %q 不是审计记录的类型（signin、signin_failed、family_decided、duty_granted、duty_revoked 等）",
	"%s %q is not an RFC 3339 time (2026-03-01T09:00:00+08:00)":                                              "%s 的值 %q 不是 RFC 3339 时间（例如 2026-03-01T09:00:00+08:00）",
	"to is not after from":                "to 不晚于 from",
	"cursor %q is not one this list gave": "cursor %q 不是本列表给出的游标",

	// The campus card and the readers.
	"the campus card is not available":                                     "校园卡服务未开启",
	"public_key, the phone's Ed25519 public key in base64url, is required": "public_key（手机的 Ed25519 公钥，base64url 编码）为必填项",
	"%q is not a card id":                                                  "%q 不是校园卡 id",
	"this request moves money: send an Idempotency-Key header (a fresh random value, the same on a retry)": "该请求涉及资金：请发送 Idempotency-Key 请求头（新的随机值，重试时保持不变）",
	"payments are not available":                            "支付服务未开启",
	"amount_fen, the top-up in fen, is required":            "缺少 amount_fen（充值金额，单位为分）",
	"a notification is at most %d bytes":                    "通知最多 %d 字节",
	"enabled, true or false, is required":                   "缺少 enabled（true 或 false）",
	"%q is not a payment id":                                "%q 不是付款 id",
	"amount_fen, the refund in fen, is required":            "缺少 amount_fen（退款金额，单位为分）",
	"%q is not a bill id":                                   "%q 不是账单 id",
	"access control is not available":                       "门禁服务未开启",
	"a reader sends its token: Authorization: Bearer TOKEN": "读卡器须发送其令牌：Authorization: Bearer TOKEN",
	"this token is not reader %q's":                         "该令牌不属于读卡器 %q",
	"%q is not a grant id":                                  "%q 不是授权 id",

	// Courses of the sports hall.
	"courses are not available":         "课程服务未开放",
	"%s %q is not true or false":        "%s 的值 %q 不是 true 或 false",
	"the body is not valid UTF-8":       "请求体不是有效的 UTF-8 文本",
	"%s holds a NUL character (U+0000)": "%s 含有 NUL 字符（U+0000）",

	// Smart locks.
	"%q is not a fingerprint id": "%q 不是指纹编号",
	"%q is not an enrolment id":  "%q 不是指纹录入编号",
	"%q is not a command id":     "%q 不是指令编号",

	// Bookings.
	"bookings are not available":                            "预约功能未开启",
	"near %q is not LON,LAT,ORDINAL":                        "near %q 不是 经度,纬度,楼层序号",
	"near %q has no ordinal (0 is the ground floor)":        "near %q 缺少楼层序号（0 为首层）",
	"available %q is not true or false":                     "available %q 不是 true 或 false",
	"q is longer than %d bytes":                             "q 超过 %d 字节",
	"space is required (a space's id, from /spaces)":        "缺少 space（空间编号，见 /spaces）",
	"no booking %q":                                         "没有预约 %q",
	"positioning is not available: check in without a scan": "定位功能未开启：请不带扫描结果签到",
	// Calendar feeds.
	"calendar feeds are not available":                                        "日历订阅功能未开放",
	"no such calendar feed: it was never made, or it was replaced or revoked": "没有这个日历订阅：它从未创建，或已被替换或撤销",

	// Labs and counselling.
	"the labs are not available":                                   "实验室服务未开放",
	"%s %q is not an id":                                           "%s 的值 %q 不是编号",
	"count, how many pieces, is required":                          "缺少 count（样品数量）",
	"status, where the sample is now, is required":                 "缺少 status（样品当前状态）",
	"counselling is not available":                                 "心理咨询服务未开放",
	"repairs are not available":                                    "报修服务未开放",
	"dry_run %q is not true or false":                              "dry_run %q 不是 true 或 false",
	"visits are not available":                                     "访客预约服务未开放",
	"as %q is not host (your own visits are at /api/v1/me/visits)": "as %q 不是 host（您自己的预约见 /api/v1/me/visits）",
	"locating from beacons is not available":                       "暂不支持蓝牙信标定位",
	"no scans: give a few seconds of one phone's scans":            "没有扫描：请提供同一部手机几秒钟的扫描",
	"%d scans, at most %d":                                         "共 %d 次扫描，最多 %d 次",
	"give scans or at, not both":                                   "请给出 scans 或 at，不要同时给出",
	"at needs lon, lat and ordinal":                                "at 需要 lon、lat 和 ordinal",
	"at most %d scans":                                             "最多 %d 次扫描",
	"locating from beacons is off":                                 "信标定位未开启",
	"the scans place nobody: name the room instead":                "无法根据扫描定位：请直接选择房间",
	"room, a counselling room's id, is required":                   "缺少 room（心理咨询室的编号）",
	"mine %q is not true or false":                                 "mine 的值 %q 不是 true 或 false",
	"slot, the id of a free slot, is required":                     "缺少 slot（可预约时段的编号）",
	"the visit has no meeting place yet":                           "该预约尚无会面地点",
	"no route from a gate to %s":                                   "没有从校门到 %s 的路线",
	"tours are not available":                                      "校园参观预约未开放",

	// Live sharing.
	"live sharing is not available": "实时位置共享未开放",
	"history is missing: true keeps the share's locations, false stops and deletes them": "缺少 history：true 保留此共享的位置，false 停止保留并删除已保留的位置",
	"ticket is required: POST /api/v1/live/ticket first":                                 "缺少 ticket：请先 POST /api/v1/live/ticket",
	"alerts_after %q is not an alert's id":                                               "alerts_after %q 不是有效的提醒编号",
	"after %q is not a cursor":                                                           "after %q 不是有效的游标",
	"too many messages: at most %d a second":                                             "消息过多：每秒最多 %d 条",
	"not a message: %v":                                                                  "不是有效的消息：%v",
	"type %q is not scan or fix":                                                         "type %q 不是 scan 或 fix",
	"give 1 to %d scans":                                                                 "请提供 1 到 %d 条扫描",
	"the scans place nobody":                                                             "这些扫描无法定位",
	"a fix needs lon, lat and ordinal":                                                   "定位需要 lon、lat 和 ordinal",
	"lon and lat are not a longitude and latitude":                                       "lon 和 lat 不是有效的经纬度",
	"ordinal %d is not a floor of the campus":                                            "ordinal %d 不是校园内的楼层",
	"accuracy_m is from 0 to 1000 metres":                                                "accuracy_m 应在 0 到 1000 米之间",

	// The server.
	"no such endpoint: %s":             "没有这个接口：%s",
	"the store does not answer":        "存储服务无响应",
	"something went wrong on our side": "服务器出错了",
	"something went wrong on our side; quote the request id when you report it": "服务器出错了；反馈问题时请附上 request_id",
}

// phrasesZh is the Simplified Chinese of whole phrases passed as arguments
// to a bare format: the details given to requireUser (the test checks
// every literal one), and echo's own messages.
var phrasesZh = map[string]string{
	"sign in first":          "请先登录",
	"sign in by phone first": "请先用手机号登录",
	"sign in to keep places": "登录后才能保存地点",
	"sign in by single sign-on or phone first, then bind WeChat": "请先通过统一身份认证或手机号登录，再绑定微信",
	"sign in to send an Idempotency-Key":                         "登录后才能发送 Idempotency-Key",
	"sign in to have a calendar feed":                            "登录后才能订阅日历",

	"Bad Request":              "请求有误",
	"Unauthorized":             "未登录",
	"Forbidden":                "无权访问",
	"Not Found":                "未找到",
	"Method Not Allowed":       "不支持该请求方法",
	"Request Entity Too Large": "请求过大",
	"Unsupported Media Type":   "不支持的媒体类型",
	"Too Many Requests":        "请求过于频繁",
	"Internal Server Error":    "服务器内部错误",
	"Service Unavailable":      "服务暂不可用",
}
