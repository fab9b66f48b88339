"""The MCP server: the same services as the CLI, as tools over stdio."""
