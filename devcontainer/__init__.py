"""Templates rendered into a workspace's .devcontainer/ (data only)."""
