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

// categoryLabels name the common IMDF categories for people, in English and
// Simplified Chinese. A room without a name is shown by its kind.
var categoryLabels = map[string]Labels{
	"office":              {"en": "Office", "zh-Hans": "办公室"},
	"classroom":           {"en": "Classroom", "zh-Hans": "教室"},
	"conferenceroom":      {"en": "Meeting Room", "zh-Hans": "会议室"},
	"huddleroom":          {"en": "Discussion Room", "zh-Hans": "讨论室"},
	"laboratory":          {"en": "Laboratory", "zh-Hans": "实验室"},
	"library":             {"en": "Study Room", "zh-Hans": "自习室"},
	"lobby":               {"en": "Lobby", "zh-Hans": "大堂"},
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
	"foodservice":         {"en": "Canteen", "zh-Hans": "餐厅"},
	"copymachine":         {"en": "Printer", "zh-Hans": "打印机"},
	"defibrillator":       {"en": "AED", "zh-Hans": "AED除颤仪"},
	"firstaid":            {"en": "First Aid Kit", "zh-Hans": "急救箱"},
	"vendingmachine":      {"en": "Vending Machine", "zh-Hans": "自动售货机"},
	"drinkingfountain":    {"en": "Drinking Water", "zh-Hans": "饮水机"},
	"atm":                 {"en": "ATM", "zh-Hans": "自动柜员机"},
	"information":         {"en": "Information Desk", "zh-Hans": "服务台"},
}

// searchSynonyms are more words search matches for a category, beyond its label.
var searchSynonyms = map[string]string{
	"laboratory":       "lab",
	"library":          "library 图书馆",
	"elevator":         "lift",
	"restroom":         "toilet washroom 洗手间 厕所",
	"restroom.male":    "toilet washroom 洗手间 厕所",
	"restroom.female":  "toilet washroom 洗手间 厕所",
	"restroom.unisex":  "toilet washroom 洗手间 厕所",
	"copymachine":      "copier copy print",
	"defibrillator":    "defibrillator",
	"fitnessroom":      "gym",
	"auditorium":       "lecture hall",
	"drinkingfountain": "water fountain 饮水",
	"firstaid":         "first-aid",
	"conferenceroom":   "conference",
}

// CategoryLabel names a category for people in lang ("en" or "zh"), or
// returns the category itself when it has no label.
func CategoryLabel(category, lang string) string {
	if l, ok := categoryLabels[category]; ok {
		return l.In(lang)
	}
	return category
}
