package repair

import (
	"strings"
	"testing"
)

func TestCategoriesTree(t *testing.T) {
	cs := Categories()
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.ID] = true
	}
	for _, want := range []string{"ventilation", "water", "electricity", "doors", "windows", "walls", "fire_safety", "elevators",
		"furniture", "hardware", "it", "greening", "cleaning", "merchants", "sports", "lab_equipment", "dormitory", "other"} {
		if !ids[want] {
			t.Errorf("no top category %q", want)
		}
	}
	it, ok := CategoryOf("it")
	if !ok || len(it.Children) != 6 || it.Children[0].ID != "it.campus_card" || it.Name.In("zh-CN") != "信息技术" || it.Name.In("en") != "IT" {
		t.Errorf("it: %+v", it)
	}
	if c, ok := CategoryOf("dormitory.bill_appeal"); !ok || c.Children == nil || c.Name.Zh == "" {
		t.Errorf("dormitory.bill_appeal: %+v %v", c, ok)
	}
	if _, ok := CategoryOf("it.teleporter"); ok {
		t.Error("an unknown category was found")
	}
}

func TestParseCategoriesRefuses(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"not json", `{`, "categories"},
		{"no zh", `[{"id":"a","name":{"en":"A"}}]`, "categories[0] needs"},
		{"twice", `[{"id":"a","name":{"en":"A","zh":"甲"}},{"id":"a","name":{"en":"A","zh":"甲"}}]`, `"a" given twice`},
		{"child not under parent", `[{"id":"a","name":{"en":"A","zh":"甲"},"children":[{"id":"b.c","name":{"en":"C","zh":"丙"}}]}]`, "categories[0].children[0]"},
	} {
		if _, _, err := parseCategories([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}
