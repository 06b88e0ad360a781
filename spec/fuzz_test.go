package spec

import "testing"

// FuzzLoad checks that no input makes the loader panic, and that every
// error it returns has a position in the file.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodSpec))
	f.Add([]byte("version: 1\napps:\n  web: {lang: go, image: {user: {uid: 1}, ports: [1, 2/udp]}}\n"))
	f.Add([]byte("version: 1\nlayers:\n  x: {}\napps: &a {b: *a}\n"))
	f.Add([]byte("- [a, {b: c}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load("f.yaml", data)
		if err != nil {
			list, ok := err.(Errors)
			if !ok || len(list) == 0 {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, name := range s.Targets() {
			if _, err := s.Target(name); err != nil {
				t.Fatal(err)
			}
		}
	})
}
