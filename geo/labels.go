package geo

import (
	"sort"
	"strings"
)

// Labels is an IMDF LABELS object: text keyed by language tag ("en", "zh-Hans").
type Labels map[string]string

// In returns the text in the language lang ("en" or "zh"; a full tag such as
// "zh-Hans" also works), falling back to English, then to any language, so
// that a feature with a name always shows one.
func (l Labels) In(lang string) string {
	if len(l) == 0 {
		return ""
	}
	for _, tag := range langTags(lang) {
		if s, ok := l[tag]; ok && s != "" {
			return s
		}
	}
	// Deterministic fallback: the first language tag in sorted order.
	keys := make([]string, 0, len(l))
	for k, s := range l {
		if s != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return l[keys[0]]
}

// IsChinese reports whether lang ("zh", "zh-Hans", "zh-CN", ...) asks for
// Chinese: the one rule of it for every text written in English and
// Simplified Chinese.
func IsChinese(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }

// langTags lists the tags tried for lang, most specific first, ending in English.
func langTags(lang string) []string {
	switch lang {
	case "en", "":
		return enTags
	case "zh", "zh-Hans":
		return zhTags
	}
	switch strings.ToLower(lang) {
	case "zh", "zh-hans", "zh-cn", "zh_cn":
		return zhTags
	default:
		return []string{lang, "en", "en-US", "en-GB"}
	}
}

var (
	enTags = []string{"en", "en-US", "en-GB"}
	zhTags = []string{"zh-Hans", "zh", "zh-CN", "zh-Hant", "en", "en-US"}
)

// categoryLabels name the IMDF categories for people, in English and
// Simplified Chinese: every category the campus archive uses, and those a
// campus adds (canteens, the library). A room without a name is shown by its
// kind. A category without a label of its own is named by its parent's
// ("restroom.family" by "restroom").
var categoryLabels = map[string]Labels{
	"office":              {"en": "Office", "zh-Hans": "办公室"},
	"classroom":           {"en": "Classroom", "zh-Hans": "教室"},
	"conferenceroom":      {"en": "Meeting Room", "zh-Hans": "会议室"},
	"huddleroom":          {"en": "Discussion Room", "zh-Hans": "研讨室"},
	"laboratory":          {"en": "Laboratory", "zh-Hans": "实验室"},
	"library":             {"en": "Library", "zh-Hans": "图书馆"},
	"lobby":               {"en": "Lobby", "zh-Hans": "大堂"},
	"lounge":              {"en": "Common Room", "zh-Hans": "休息室"},
	"kitchen":             {"en": "Pantry", "zh-Hans": "茶水间"},
	"recreation":          {"en": "Recreation Room", "zh-Hans": "活动室"},
	"walkway":             {"en": "Corridor", "zh-Hans": "走廊"},
	"stairs":              {"en": "Stairs", "zh-Hans": "楼梯"},
	"elevator":            {"en": "Elevator", "zh-Hans": "电梯"},
	"escalator":           {"en": "Escalator", "zh-Hans": "扶梯"},
	"restroom":            {"en": "Restroom", "zh-Hans": "卫生间"},
	"restroom.male":       {"en": "Men's Restroom", "zh-Hans": "男卫生间"},
	"restroom.female":     {"en": "Women's Restroom", "zh-Hans": "女卫生间"},
	"restroom.unisex":     {"en": "Restroom", "zh-Hans": "卫生间"},
	"restroom.wheelchair": {"en": "Accessible Restroom", "zh-Hans": "无障碍卫生间"},
	"storage":             {"en": "Storage", "zh-Hans": "储藏室"},
	"serverroom":          {"en": "Server Room", "zh-Hans": "机房"},
	"parking":             {"en": "Parking", "zh-Hans": "停车位"},
	"road":                {"en": "Driveway", "zh-Hans": "车道"},
	"ramp":                {"en": "Ramp", "zh-Hans": "坡道"},
	"fieldofplay":         {"en": "Court", "zh-Hans": "球场"},
	"fitnessroom":         {"en": "Fitness Room", "zh-Hans": "健身房"},
	"shower":              {"en": "Shower", "zh-Hans": "淋浴间"},
	"room":                {"en": "Room", "zh-Hans": "房间"},
	"auditorium":          {"en": "Lecture Theatre", "zh-Hans": "报告厅"},
	"foodservice":         {"en": "Canteen", "zh-Hans": "食堂"},
	"foodcourt":           {"en": "Food Court", "zh-Hans": "美食广场"},
	"cafe":                {"en": "Café", "zh-Hans": "咖啡厅"},
	"copymachine":         {"en": "Printer", "zh-Hans": "打印机"},
	"defibrillator":       {"en": "AED", "zh-Hans": "AED除颤仪"},
	"firstaid":            {"en": "First Aid Kit", "zh-Hans": "急救箱"},
	"vendingmachine":      {"en": "Vending Machine", "zh-Hans": "自动售货机"},
	"drinkingfountain":    {"en": "Drinking Water", "zh-Hans": "饮水机"},
	"atm":                 {"en": "ATM", "zh-Hans": "自动柜员机"},
	"information":         {"en": "Information Desk", "zh-Hans": "服务台"},
	"cashier":             {"en": "Till", "zh-Hans": "收银台"},
}

// searchSynonyms are the other words, English and Chinese, people use for a
// category: search finds a feature by them as by its kind's label. A
// category also answers to its parents' words ("restroom.male" to
// "restroom"'s).
var searchSynonyms = map[string]string{
	"office":           "offices 办公",
	"classroom":        "class lecture 课室 课堂",
	"conferenceroom":   "conference meeting boardroom 会议",
	"huddleroom":       "discussion study group huddle 讨论室 小组",
	"laboratory":       "lab labs 实验",
	"library":          "library libraries books study reading 图书馆 自习室 阅览室 书库",
	"lobby":            "foyer entrance hall 门厅 大厅",
	"lounge":           "common lounge 公共休息室 休闲",
	"kitchen":          "kitchen pantry microwave 厨房 茶水",
	"recreation":       "games activity 娱乐 活动",
	"walkway":          "corridor hallway 过道 通道",
	"stairs":           "stair stairway staircase 楼梯间",
	"elevator":         "lift lifts 升降梯 直梯",
	"escalator":        "escalators 自动扶梯",
	"restroom":         "toilet toilets washroom wc lavatory bathroom loo 洗手间 厕所 卫生间",
	"restroom.male":    "men gents male 男厕",
	"restroom.female":  "women ladies female 女厕",
	"storage":          "store storeroom 仓库 储物",
	"serverroom":       "server servers 服务器",
	"parking":          "car park carpark space 车位 停车场 停车",
	"road":             "driveway road 道路",
	"ramp":             "slope 斜坡",
	"fieldofplay":      "court pitch field sports 运动场 场地 体育",
	"fitnessroom":      "gym fitness 健身",
	"shower":           "showers 浴室 冲凉",
	"auditorium":       "lecture theatre theater hall 礼堂 讲堂",
	"foodservice":      "canteen canteens cafeteria dining restaurant food meal 餐厅 饭堂 食堂",
	"foodcourt":        "canteen cafeteria dining food 食堂 餐厅 饭堂",
	"cafe":             "cafe coffee 咖啡",
	"copymachine":      "printer printers print printing copier copy photocopier scanner 打印 复印 复印机",
	"defibrillator":    "aed defibrillator defib 除颤器 除颤仪 自动体外除颤器",
	"firstaid":         "first aid kit medical 急救 医药箱",
	"vendingmachine":   "vending snacks drinks 售货机 贩卖机",
	"drinkingfountain": "water fountain dispenser 饮水 开水 热水",
	"atm":              "cash bank 取款机 提款机",
	"information":      "info help desk reception enquiries 问讯处 咨询",
	"cashier":          "till tills cashier checkout pay payment 收银 结账 付款 买单",
}

// categoryTexts lists the texts that name category c for people: its label
// and synonyms, then each parent's ("restroom.male", then "restroom").
func categoryTexts(c string) []string {
	var out []string
	for c != "" {
		for _, s := range categoryLabels[c] {
			out = append(out, s)
		}
		if s := searchSynonyms[c]; s != "" {
			out = append(out, s)
		}
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	return out
}

// CategoryLabel names a category for people in lang ("en" or "zh"), or
// returns the category itself when it has no label.
func CategoryLabel(category, lang string) string {
	for c := category; c != ""; {
		if l, ok := categoryLabels[c]; ok {
			return l.In(lang)
		}
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	return category
}
