"""The language-server face of the core: protocol, handlers, watching and pushes."""
