// Package shapes holds one of each declaration apisurface counts, and some it does not.
package shapes

import (
	"bufio"
	"io"
)

// Exported package-level names: each counts once.
const (
	Pi, tau = 3.14, 6.28
	E       = 2.71
)

const _ = 0

var Default, fallback = New(), New()

var (
	ErrShape error
	_        = Default
)

// New is a func; init and unexported funcs are not counted.
func New() *Shape { return nil }

func init() {}

func helper() {}

// Shape is an exported struct: its exported fields count, embedded ones under their type's
// name (Reader, Writer, Named), nested anonymous struct fields do not.
type Shape struct {
	Name, id string
	Sides    int
	*bufio.Reader
	io.Writer
	Named[int]
	inner
	Nested struct{ Deep int }
}

// Area and Perimeter are methods of an exported type, generic or behind a pointer.
func (s *Shape) Area() float64     { return 0 }
func (s Shape) Perimeter() float64 { return 0 }
func (s *Shape) scale()            {}
func (Named[T]) Get() T            { var t T; return t }
func (*Pair[K, V]) Swap()          {}
func (inner) Exported()            {} // on an unexported type: not counted
func (o opaque) Method()           {}

// Named and Pair are generic types.
type Named[T any] struct{ Value T }

type Pair[K comparable, V any] struct {
	Key K
	Val V
	tag string
}

type inner struct{ Hidden int }

type opaque int

// Measurer is an exported interface: its own exported methods count, the embedded one and
// the unexported one do not.
type Measurer interface {
	io.Reader
	Measure() float64
	Scale(f float64)
	private()
}

// Number is a constraint: its union adds nothing.
type Number interface {
	~int | ~float64
	String() string
}

type hiddenIface interface{ Visible() }

// Alias is a type alias; it counts as a type.
type Alias = Shape

// Struct is a defined type whose struct is declared elsewhere: its fields are not counted again.
type Struct Pair[int, int]

// Mode is a defined non-struct type with a method.
type Mode uint8

func (m Mode) String() string { return "" }
