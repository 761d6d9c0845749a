"""Configuration: profiles and the environments map, loaded and validated with file:line:col."""
