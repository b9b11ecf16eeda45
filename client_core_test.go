package main

import (
	"github.com/parley-chat/parley/app"
	"github.com/parley-chat/parley/ui"
)

// *app.Client is what the GUI drives: it must satisfy ui.Core exactly.
var _ ui.Core = (*app.Client)(nil)
