package repair

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Name is a category's name in English and Simplified Chinese.
type Name struct {
	En string `json:"en"`
	Zh string `json:"zh"`
}

// In is the name in lang: Chinese for "zh...", else English.
func (n Name) In(lang string) string {
	if isChinese(lang) {
		return n.Zh
	}
	return n.En
}

// Category is a scenario a fault is reported under. Ids are stable slugs
// ("it.campus_card"); a child's id starts with its parent's and a dot.
type Category struct {
	ID       string     `json:"id"`
	Name     Name       `json:"name"`
	Children []Category `json:"children"`
	// Personal faults are one person's (their card, their bill): never
	// linked as duplicates of another's.
	Personal bool `json:"personal,omitempty"`
}

//go:embed categories.json
var categoriesJSON []byte

// categories is the tree, and byID every category in it.
var (
	categories []Category
	byID       map[string]Category
)

func init() {
	cs, m, err := parseCategories(categoriesJSON)
	if err != nil {
		panic(err) // the embedded file is the program's own; its test reads it
	}
	categories, byID = cs, m
}

// parseCategories reads a tree of categories, checking that every id is
// given once and that a child's id extends its parent's.
func parseCategories(b []byte) ([]Category, map[string]Category, error) {
	var cs []Category
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, nil, fmt.Errorf("repair: categories: %w", err)
	}
	m := map[string]Category{}
	var walk func(cs []Category, parent, where string) error
	walk = func(cs []Category, parent, where string) error {
		for i := range cs {
			c := &cs[i]
			at := fmt.Sprintf("%s[%d]", where, i)
			switch {
			case c.ID == "" || c.Name.En == "" || c.Name.Zh == "":
				return fmt.Errorf("repair: categories: %s needs an id and a name in en and zh", at)
			case parent != "" && (len(c.ID) <= len(parent)+1 || c.ID[:len(parent)+1] != parent+"."):
				return fmt.Errorf("repair: categories: %s: id %q does not start with its parent's %q", at, c.ID, parent+".")
			}
			if _, dup := m[c.ID]; dup {
				return fmt.Errorf("repair: categories: %s: id %q given twice", at, c.ID)
			}
			if c.Children == nil {
				c.Children = []Category{}
			}
			if err := walk(c.Children, c.ID, at+".children"); err != nil {
				return err
			}
			m[c.ID] = *c
		}
		return nil
	}
	if err := walk(cs, "", "categories"); err != nil {
		return nil, nil, err
	}
	return cs, m, nil
}

// Categories is the tree of categories, as data (categories.json). The
// caller must not change it.
func Categories() []Category { return categories }

// CategoryOf is the category with id, if there is one.
func CategoryOf(id string) (Category, bool) {
	c, ok := byID[id]
	return c, ok
}
