"""click commands, one module per noun; each turns options into one service call."""
