"""JSON Schemas of the stored records and edit documents; read with importlib.resources."""
