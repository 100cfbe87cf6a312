"""The workflow graph and its drawings: DOT, Mermaid, PNG and SVG."""
