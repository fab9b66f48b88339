"""Hook shim template, shipped as package data and read with importlib.resources."""
