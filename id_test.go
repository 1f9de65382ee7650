package graphdriver

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	valid := []string{"a", "0", "abc_DEF-1.2", strings.Repeat("f", 64), strings.Repeat("x", MaxIDLength)}
	for _, id := range valid {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	invalid := []string{"", ".", "..", "../x", "a/b", "/abs", "-a", "_a", ".hidden", "a b", "a\x00b", "ü", "a\n",
		strings.Repeat("x", MaxIDLength+1)}
	for _, id := range invalid {
		if err := ValidateID(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ValidateID(%q) = %v, want ErrInvalidID", id, err)
		}
	}
}

func TestChangeString(t *testing.T) {
	tests := map[Change]string{
		{Path: "/etc/hosts", Kind: ChangeModify}: "C /etc/hosts",
		{Path: "/new", Kind: ChangeAdd}:          "A /new",
		{Path: "/gone", Kind: ChangeDelete}:      "D /gone",
		{Path: "/x", Kind: ChangeKind(9)}:        "? /x",
	}
	for c, want := range tests {
		if got := c.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", c, got, want)
		}
	}
	if ChangeModify != 0 || ChangeAdd != 1 || ChangeDelete != 2 {
		t.Fatal("ChangeKind values must match Docker's: Modify=0, Add=1, Delete=2")
	}
}

func TestIDMap(t *testing.T) {
	m := IDMap{
		UIDs: []IDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}},
		GIDs: []IDMapping{{ContainerID: 0, HostID: 200000, Size: 10}},
	}
	uid, gid, err := m.RootPair()
	if err != nil || uid != 100000 || gid != 200000 {
		t.Fatalf("RootPair = %d, %d, %v", uid, gid, err)
	}
	if uid, gid, err = m.ToHost(5, 9); err != nil || uid != 100005 || gid != 200009 {
		t.Fatalf("ToHost(5, 9) = %d, %d, %v", uid, gid, err)
	}
	if _, _, err = m.ToHost(5, 10); err == nil {
		t.Fatal("ToHost of an unmapped gid did not fail")
	}
	if uid, gid, err = m.ToContainer(100005, 200009); err != nil || uid != 5 || gid != 9 {
		t.Fatalf("ToContainer = %d, %d, %v", uid, gid, err)
	}
	if _, _, err = m.ToContainer(5, 200000); err == nil {
		t.Fatal("ToContainer of an unmapped uid did not fail")
	}
	var identity IDMap
	if !identity.Empty() || m.Empty() {
		t.Fatal("Empty is wrong")
	}
	if uid, gid, err = identity.ToHost(7, 8); err != nil || uid != 7 || gid != 8 {
		t.Fatalf("identity ToHost = %d, %d, %v", uid, gid, err)
	}
}
